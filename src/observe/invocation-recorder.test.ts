import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { InvocationWithLog } from '../model/invocation.js';
import { openDatabase } from '../store/database.js';
import { InvocationsTable } from '../store/invocations-table.js';
import { InvocationRecorder } from './invocation-recorder.js';

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-recorder-'));
  const db = openDatabase(join(dir, 'test.db'));
  return { db, done: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

function record(id: string, fn: string, startedAt: string): InvocationWithLog {
  return { id, functionName: fn, version: 1, status: 'success', errorType: null, errorMessage: null, cold: false, start: 'warm', initMs: null, durationMs: 1.5,
    billedMs: 2, maxMemoryKb: null, cpuMs: null, requestBytes: 2, responseBytes: 2, logTruncated: false, startedAt, finishedAt: startedAt, log: `log of ${id}\n` };
}

test('the recorder shows queued records at once and writes them in one batch', () => {
  const { db, done } = tempDb();
  try {
    const table = new InvocationsTable(db);
    const recorder = new InvocationRecorder(table, pino({ level: 'silent' }), { flushDelayMs: 60_000 });
    recorder.record(record('r1', 'f', '2026-01-01T00:00:01Z'));
    recorder.record(record('r2', 'f', '2026-01-01T00:00:02Z'));
    assert.equal(table.get('r1'), undefined, 'not written yet');
    assert.equal(recorder.get('r1')!.log, 'log of r1\n');
    assert.deepEqual(recorder.recentForFunction('f', 10).map((r) => r.id), ['r2', 'r1']);
    recorder.flush();
    assert.equal(table.get('r2')!.log, 'log of r2\n');
    recorder.record(record('r3', 'f', '2026-01-01T00:00:03Z'));
    assert.deepEqual(recorder.recentForFunction('f', 2).map((r) => r.id), ['r3', 'r2'], 'newest first across queue and table');
  } finally { done(); }
});
