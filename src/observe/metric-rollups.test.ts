import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openDatabase } from '../store/database.js';
import { MetricMinutesTable } from '../store/metric-minutes-table.js';
import { MetricRollups } from './metric-rollups.js';

const T0 = Date.UTC(2026, 11, 2, 10, 0);
const MIN = 60_000;

function setup(retentionMs = 7 * 24 * 3600_000) {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-rollups-'));
  const db = openDatabase(join(dir, 'test.db'));
  const table = new MetricMinutesTable(db);
  let now = T0;
  const rollups = new MetricRollups({ table, log: pino({ level: 'silent' }), retentionMs, now: () => now });
  const count = () => db.prepare('SELECT COUNT(*) FROM metric_minutes').pluck().get() as number;
  return {
    table, rollups, count, at: (ms: number) => { now = ms; },
    done: () => { db.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

const inv = (functionName: string, durationMs: number, extra: object = {}) =>
  ({ functionName, status: 'success' as const, start: 'warm' as const, durationMs, initMs: null, maxMemoryKb: 2048, cpuMs: 1, ...extra });

test('only ended minutes are written by the periodic flush; stop writes the current one too, in one go', () => {
  const s = setup();
  try {
    s.rollups.invoked(inv('f', 5));
    s.at(T0 + 30_000);
    s.rollups.invoked(inv('f', 7));
    s.rollups.flush(false);
    assert.equal(s.count(), 0, 'the minute has not ended');
    s.at(T0 + MIN + 1);
    s.rollups.invoked(inv('f', 9));
    s.rollups.flush(false);
    assert.equal(s.count(), 1);
    const [stored] = s.table.range('f', T0, T0 + 2 * MIN);
    assert.equal(stored!.invocations, 2);
    s.rollups.stop();
    assert.equal(s.count(), 2);
  } finally {
    s.done();
  }
});

test('an invocation counted after its minute was written is merged into the stored minute, not written over it', () => {
  const s = setup();
  try {
    s.rollups.invoked(inv('f', 5));
    s.rollups.stop();
    s.rollups.invoked(inv('f', 50, { status: 'error' }));
    s.rollups.flush(true);
    const [m] = s.table.range('f', T0, T0 + MIN);
    assert.equal(m!.invocations, 2);
    assert.equal(m!.errors, 1);
    assert.equal(m!.durationMaxMs, 50);
    assert.equal(Object.values(m!.durationBuckets).reduce((a, b) => a + b, 0), 2);
  } finally {
    s.done();
  }
});

test('series re-aggregate minutes into steps, stored and still in memory alike, for one function or all', () => {
  const s = setup();
  try {
    for (let m = 0; m < 10; m++) {
      s.at(T0 + m * MIN + 1000);
      s.rollups.invoked(inv('a', 10 * (m + 1)));
      if (m % 2 === 0) s.rollups.invoked(inv('b', 1));
      if (m === 4) s.rollups.throttled('a');
      s.rollups.flush(false);
    }
    const a = s.rollups.series('a', T0, T0 + 10 * MIN, 5 * MIN, '5m');
    assert.deepEqual(a.points.map((p) => p.invocations), [5, 5]);
    assert.deepEqual(a.points.map((p) => p.throttles), [1, 0]);
    assert.equal(a.points[1]!.duration.max, 100);
    assert.equal(a.totals.invocations, 10);
    assert.equal(a.totals.cpuMs, 10);
    const all = s.rollups.series(null, T0, T0 + 10 * MIN, 5 * MIN, '5m');
    assert.deepEqual(all.points.map((p) => p.invocations), [8, 7]);
    const minutes = s.rollups.series('b', T0, T0 + 3 * MIN, MIN, '1m');
    assert.deepEqual(minutes.points.map((p) => p.invocations), [1, 0, 1]);
    assert.equal(minutes.points[1]!.duration.p50, null);
  } finally {
    s.done();
  }
});

test('rollups past the retention are deleted at a flush; a deleted function loses its own', () => {
  const s = setup(3 * MIN);
  try {
    s.rollups.invoked(inv('f', 1));
    s.rollups.invoked(inv('g', 1));
    s.at(T0 + MIN);
    s.rollups.invoked(inv('f', 1));
    s.rollups.flush(false);
    assert.equal(s.count(), 2);
    s.at(T0 + 3 * MIN + 1);
    s.rollups.flush(false);
    assert.equal(s.count(), 1, 'the first minute is past 3 minutes old');
    s.rollups.forgetFunction('f');
    assert.equal(s.count(), 0);
  } finally {
    s.done();
  }
});
