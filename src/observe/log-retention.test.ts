// Invocation records and logs stay within retention: 400 invocations printing ~256 KB
// each (100 MB of logs, the per-invocation cap) leave the database within the size
// limit, on disk too, with the newest logs kept; records past the age limit go; the
// compaction works in batches off the invoke path.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LOG_LIMIT_BYTES } from '../model/limits.js';
import type { InvocationWithLog } from '../model/invocation.js';
import { DatabaseSpace, openDatabase } from '../store/database.js';
import { InvocationsTable } from '../store/invocations-table.js';
import { eventually, startTestApp, type TestApp } from '../../test/fakes/app.js';
import { LogRetention } from './log-retention.js';

const MB = 1024 * 1024;
const LIMIT_MB = 16;

/** The database on disk: the file and its WAL. */
function onDisk(dbPath: string): number {
  return [dbPath, `${dbPath}-wal`].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);
}

let t: TestApp;
before(async () => { t = await startTestApp({ SKYSCALE_LOG_RETENTION_MB: String(LIMIT_MB) }); });
after(async () => { await t?.close(); });

test('400 invocations printing 256 KB each leave the database within its size limit, newest logs kept', async (ctx) => {
  await t.deploy('chatty');
  let n = 0;
  t.driver.handler = () => {
    n++;
    return { log: `call ${n} `.padEnd(LOG_LIMIT_BYTES - 64, String.fromCharCode(97 + (n % 26))) + '\n' };
  };
  const dbPath = join(t.dataDir, 'skyscale.db');
  let peak = 0;
  const ids: string[] = [];
  try {
    for (let round = 0; round < 50; round++) {
      const answers = await Promise.all(Array.from({ length: 8 }, () => t.request('POST', '/v1/functions/chatty/invocations', {})));
      for (const a of answers) {
        assert.equal(a.statusCode, 200);
        ids.push(a.headers['x-skyscale-request-id'] as string);
      }
      peak = Math.max(peak, onDisk(dbPath));
    }
  } finally {
    t.driver.handler = null;
  }
  t.services.recorder.flush();
  // the compactions the writes started, and one more for what came after the last
  await eventually(async () => (await t.services.retention.compact()).deletedBySize === 0, 'compaction to settle');
  const size = onDisk(dbPath);
  ctx.diagnostic(`logs written ${(ids.length * LOG_LIMIT_BYTES / MB).toFixed(0)} MB; database on disk: peak ${(peak / MB).toFixed(1)} MB, after compaction ${(size / MB).toFixed(1)} MB (limit ${LIMIT_MB} MB)`);
  assert.ok(size <= LIMIT_MB * MB, `the database takes ${(size / MB).toFixed(1)} MB on disk, over the ${LIMIT_MB} MB limit`);
  assert.ok(peak < 3 * LIMIT_MB * MB, `it never grew far past the limit (peak ${(peak / MB).toFixed(1)} MB)`);

  const newest = await t.request('GET', `/v1/invocations/${ids.at(-1)}`);
  assert.equal(newest.statusCode, 200);
  assert.match(newest.json().invocation.log, /^call 400 /, 'the newest log is kept whole');
  assert.equal((await t.request('GET', `/v1/invocations/${ids[0]}`)).statusCode, 404, 'the oldest is gone');
  const kept = ids.filter((id) => t.services.recorder.get(id)).length;
  ctx.diagnostic(`records kept: ${kept} of ${ids.length}`);
  assert.ok(kept >= 30 && kept <= 64, `about ${LIMIT_MB} MB of the newest records stay (${kept})`);
  assert.equal((await t.request('POST', '/v1/functions/chatty/invocations', {})).statusCode, 200, 'invocations go on');
});

function record(id: string, startedAt: string, log = `log of ${id}\n`): InvocationWithLog {
  return { id, functionName: 'f', version: 1, status: 'success', errorType: null, errorMessage: null, cold: false, start: 'warm', initMs: null, durationMs: 1,
    billedMs: 1, maxMemoryKb: null, cpuMs: null, requestBytes: 2, responseBytes: 2, logTruncated: false, startedAt, finishedAt: startedAt, log };
}

test('records past the age limit go, oldest first, in batches; younger ones stay', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-retention-'));
  const db = openDatabase(join(dir, 'db'));
  try {
    const table = new InvocationsTable(db);
    const now = Date.parse('2026-06-10T00:00:00Z');
    const day = 24 * 3600 * 1000;
    const old = Array.from({ length: 250 }, (_, i) => record(`old${i}`, new Date(now - 8 * day - i * 1000).toISOString()));
    table.insertMany([...old, record('yesterday', new Date(now - day).toISOString()), record('today', new Date(now).toISOString())]);
    const retention = new LogRetention({ table, space: new DatabaseSpace(db), log: pino({ level: 'silent' }), policy: { maxAgeMs: 7 * day, maxBytes: 512 * MB }, now: () => now });
    const report = await retention.compact();
    assert.equal(report.deletedByAge, 250);
    assert.equal(report.deletedBySize, 0);
    assert.deepEqual(table.recentForFunction('f', 10).map((r) => r.id), ['today', 'yesterday']);
    assert.equal(db.prepare('SELECT COUNT(*) FROM invocation_logs').pluck().get(), 2, 'the logs went with their records');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when other data fills the database past the limit, every record goes and the server says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-retention-'));
  const db = openDatabase(join(dir, 'db'));
  try {
    db.exec('CREATE TABLE filler (v BLOB)');
    db.prepare('INSERT INTO filler VALUES (?)').run(Buffer.alloc(2 * MB, 1));
    const table = new InvocationsTable(db);
    table.insertMany([record('a', '2026-06-09T00:00:00.000Z'), record('b', '2026-06-10T00:00:00.000Z')]);
    const warnings: string[] = [];
    const log = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(JSON.parse(line).msg); } });
    const retention = new LogRetention({ table, space: new DatabaseSpace(db), log, policy: { maxAgeMs: 3650 * 24 * 3600 * 1000, maxBytes: MB }, now: () => Date.parse('2026-06-10T00:00:00Z') });
    const report = await retention.compact();
    assert.equal(report.deletedBySize, 2);
    assert.deepEqual(warnings, ['the database is over its size limit with no invocation records left to delete: other data fills it']);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
