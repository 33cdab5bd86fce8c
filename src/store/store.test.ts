import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DatabaseSpace, openDatabase, migrate } from './database.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { FunctionsTable } from './functions-table.js';
import { InvocationsTable } from './invocations-table.js';
import { AuditTable } from './audit-table.js';
import { DEFAULT_SETTINGS } from '../model/function-config.js';
import type { InvocationWithLog } from '../model/invocation.js';

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-store-'));
  const db = openDatabase(join(dir, 'test.db'));
  return { db, done: () => { db.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('migrations run once and are recorded', () => {
  const { db, done } = tempDb();
  try {
    assert.deepEqual(migrate(db, SQLITE_MIGRATIONS), []);
    assert.equal(db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get(), SQLITE_MIGRATIONS.length);
  } finally { done(); }
});

test('a gap in the migration numbers is no harm: one numbered below the highest applied still runs when it arrives', () => {
  const db = new Database(':memory:');
  try {
    const m = (version: number) => ({ version, name: `m${version}`, sql: `CREATE TABLE t${version} (x INTEGER);` });
    assert.deepEqual(migrate(db, [m(1), m(8), m(11)]), [1, 8, 11]);
    assert.deepEqual(migrate(db, [m(1), m(8), m(9), m(10), m(11)]), [9, 10], 'the ones merged later run, in order');
    assert.deepEqual(migrate(db, [m(1), m(8), m(9), m(10), m(11)]), []);
  } finally { db.close(); }
});

test('a database from before the metrics migration keeps its records: warm ones say so, CPU unknown; a missing migration number is no gap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-store-'));
  const path = join(dir, 'old.db');
  try {
    const old = openDatabase(path, SQLITE_MIGRATIONS.filter((m) => m.version <= 8));
    const insert = old.prepare(`INSERT INTO invocations (id, function_name, version, status, cold, init_ms, duration_ms, billed_ms, max_memory_kb,
      request_bytes, response_bytes, started_at, finished_at) VALUES (?, 'f', 1, 'success', ?, NULL, 1.5, 2, 9000, 2, 2, '2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')`);
    insert.run('warm-one', 0);
    insert.run('cold-one', 1);
    old.close();
    const db = openDatabase(path);
    try {
      const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
      assert.deepEqual(applied, SQLITE_MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
      const table = new InvocationsTable(db);
      assert.deepEqual([table.get('warm-one')!.start, table.get('warm-one')!.cpuMs], ['warm', null]);
      assert.equal(table.get('cold-one')!.start, null, 'a cold start from before does not say whether it was pool or boot');
      assert.equal(table.get('cold-one')!.maxMemoryKb, 9000);
    } finally {
      db.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('versions are numbered per function and snapshot the settings', () => {
  const { db, done } = tempDb();
  try {
    const t = new FunctionsTable(db);
    t.insert('a', DEFAULT_SETTINGS, '2026-01-01T00:00:00Z');
    t.insert('b', DEFAULT_SETTINGS, '2026-01-01T00:00:00Z');
    assert.equal(t.addVersion('a', { sha256: 'a'.repeat(64), size: 1 }, 'now').version, 1);
    t.updateSettings('a', { ...DEFAULT_SETTINGS, memoryMb: 512 }, 'later');
    const v2 = t.addVersion('a', { sha256: 'b'.repeat(64), size: 2 }, 'now');
    assert.equal(v2.version, 2);
    assert.equal(v2.memoryMb, 512);
    assert.equal(t.getVersion('a', 1)!.memoryMb, 128, 'version 1 keeps its settings');
    assert.equal(t.addVersion('b', { sha256: 'a'.repeat(64), size: 1 }, 'now').version, 1);
    assert.equal(t.get('a')!.latestVersion, 2);
    assert.deepEqual([...t.referencedCode()].sort(), ['a'.repeat(64), 'b'.repeat(64)]);
    assert.ok(t.delete('a'));
    assert.equal(t.listVersions('a').length, 0, 'versions go with their function');
  } finally { done(); }
});

test('invocation records are written in one batch and read back newest first, with their logs', () => {
  const { db, done } = tempDb();
  try {
    const table = new InvocationsTable(db);
    table.insertMany([record('r1', 'f', '2026-01-01T00:00:01Z'), record('r2', 'f', '2026-01-01T00:00:02Z'), record('x', 'g', '2026-01-01T00:00:03Z')]);
    assert.equal(table.get('r1')!.log, 'log of r1\n');
    assert.deepEqual(table.recentForFunction('f', 10).map((r) => r.id), ['r2', 'r1']);
    table.deleteForFunction('f');
    assert.equal(table.get('r2'), undefined);
    assert.equal(table.get('x')!.functionName, 'g');
  } finally { done(); }
});

test('deleting records gives their pages back: the file shrinks; a database made before auto-vacuum is converted on open', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-store-'));
  try {
    const legacy = new Database(join(dir, 'old.db'));
    legacy.exec("CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('still here')");
    assert.equal(legacy.pragma('auto_vacuum', { simple: true }), 0);
    legacy.close();
    const db = openDatabase(join(dir, 'old.db'));
    assert.equal(db.pragma('auto_vacuum', { simple: true }), 2, 'incremental');
    assert.equal(db.prepare('SELECT v FROM kept').pluck().get(), 'still here');

    const table = new InvocationsTable(db);
    const space = new DatabaseSpace(db);
    table.insertMany(Array.from({ length: 40 }, (_, i) => ({ ...record(`r${i}`, 'f', `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`), log: 'x'.repeat(128 * 1024) })));
    const full = space.report();
    assert.ok(full.usedBytes > 5 * 1024 * 1024);
    assert.equal(table.deleteOldest(30), 30);
    assert.deepEqual(table.recentForFunction('f', 100).map((r) => r.id), Array.from({ length: 10 }, (_, i) => `r${39 - i}`), 'the oldest went');
    assert.equal(table.deleteStartedBefore('2026-01-01T00:00:35Z', 100), 5);
    const deleted = space.report();
    assert.ok(deleted.usedBytes < full.usedBytes / 4, 'the freed pages are not counted as used');
    assert.equal(deleted.fileBytes, full.fileBytes, 'but the file keeps them');
    assert.equal(space.release(1_000_000), 0);
    space.checkpoint();
    assert.ok(space.report().fileBytes < full.fileBytes / 4, 'until they are given back');
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function record(id: string, fn: string, startedAt: string): InvocationWithLog {
  return { id, functionName: fn, version: 1, status: 'success', errorType: null, errorMessage: null, cold: false, start: 'warm', initMs: null, durationMs: 1.5,
    billedMs: 2, maxMemoryKb: null, cpuMs: null, requestBytes: 2, responseBytes: 2, logTruncated: false, startedAt, finishedAt: startedAt, log: `log of ${id}\n` };
}

test('the audit log keeps its retention: entries past the horizon go, newer ones cannot be deleted, the horizon never moves back', () => {
  const { db, done } = tempDb();
  try {
    const table = new AuditTable(db);
    const entry = (at: string) => ({ at, keyId: 'k', keyName: 'admin', action: 'function.delete', target: 'f', client: '127.0.0.1', result: 'ok', detail: null });
    table.appendMany([entry('2025-01-01T00:00:00.000Z'), entry('2025-06-01T00:00:00.000Z'), entry('2026-11-30T00:00:00.000Z')]);
    assert.equal(table.pruneBefore('2025-07-01T00:00:00.000Z'), 2);
    assert.deepEqual(table.recent(10).map((e) => e.at), ['2026-11-30T00:00:00.000Z']);
    assert.throws(() => db.prepare('DELETE FROM audit_log').run(), /append-only: only entries past its retention are deleted/);
    assert.throws(() => db.prepare('UPDATE audit_log SET result = ?').run('forged'), /append-only/);
    assert.throws(() => db.prepare("UPDATE audit_horizon SET before = '2000-01-01'").run(), /only moves forward/);
    assert.equal(table.pruneBefore('2024-01-01T00:00:00.000Z'), 0, 'an earlier horizon deletes nothing and is not taken');
    assert.equal(db.prepare('SELECT before FROM audit_horizon').pluck().get(), '2025-07-01T00:00:00.000Z');
    assert.equal(table.recent(10).length, 1);
  } finally { done(); }
});
