import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../store/database.js';
import { ApiKeysTable } from '../store/api-keys-table.js';
import { ApiKeys } from './api-keys.js';
import { loadOrCreateMasterKey, seal, unseal } from './master-key.js';

test('key secrets are stored hashed and sealed, never in plain text; SigV4 reads them back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-keys-'));
  const db = openDatabase(join(dir, 'db'));
  try {
    const master = loadOrCreateMasterKey(dir);
    assert.equal(statSync(join(dir, 'master.key')).mode & 0o777, 0o600);
    assert.deepEqual(loadOrCreateMasterKey(dir), master, 'the same key on the next start');
    const keys = new ApiKeys(new ApiKeysTable(db), master);
    keys.put('k1.supersecretvalue', 'admin', 't');
    const row = db.prepare('SELECT * FROM api_keys').get() as Record<string, string>;
    assert.ok(!JSON.stringify(row).includes('supersecretvalue'));
    assert.equal(keys.signingSecret('k1')?.secret, 'supersecretvalue');
    assert.equal(keys.authenticate('Bearer k1.supersecretvalue').id, 'k1');
    assert.equal(keys.signingSecret('nobody'), undefined);
    db.prepare("INSERT INTO api_keys (id, secret_sha256, role, name, created_at) VALUES ('old', 'aa', 'admin', 'pre-SigV4', 'x')").run();
    assert.equal(keys.signingSecret('old')?.secret, null, 'a row from before sealing has no readable secret');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a sealed secret does not open under another key id or master key', () => {
  const m = Buffer.alloc(32, 1);
  const sealed = seal(m, 's3cret', 'id1');
  assert.equal(unseal(m, sealed, 'id1'), 's3cret');
  assert.throws(() => unseal(m, sealed, 'id2'));
  assert.throws(() => unseal(Buffer.alloc(32, 2), sealed, 'id1'));
});

test('one bootstrap admin key works at a time, found by its flag, not its name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-keys-'));
  const db = openDatabase(join(dir, 'db'));
  try {
    const keys = new ApiKeys(new ApiKeysTable(db), Buffer.alloc(32, 7));
    keys.put('user1.aaaaaaaaaaaaaaaa', 'developer', 'bootstrap admin lookalike');
    assert.equal(keys.putBootstrapAdmin('boot1.bbbbbbbbbbbbbbbb', 'admin'), 0);
    assert.equal(keys.authenticate('Bearer boot1.bbbbbbbbbbbbbbbb').role, 'admin');
    assert.equal(keys.putBootstrapAdmin('boot2.cccccccccccccccc', 'admin'), 1, 'rotation revokes the previous bootstrap key');
    assert.throws(() => keys.authenticate('Bearer boot1.bbbbbbbbbbbbbbbb'), /not valid/);
    assert.equal(keys.authenticate('Bearer user1.aaaaaaaaaaaaaaaa').id, 'user1', 'a key merely named like one is kept');
    assert.equal(keys.isKey('boot2.anything'), true);
    assert.equal(keys.isKey('nobody.anything'), false);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('keys are made with a role, a function scope and an expiry; expired and revoked keys stop working, and say why to whoever holds them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-keys-'));
  const db = openDatabase(join(dir, 'db'));
  let now = Date.parse('2026-05-01T00:00:00Z');
  try {
    const keys = new ApiKeys(new ApiKeysTable(db), Buffer.alloc(32, 3), () => now);
    const { key, secret } = keys.create({ role: 'invoker', functions: ['orders-*', 'orders-*', 'billing'], expiresIn: '30d', description: 'orders CI' });
    assert.equal(key.role, 'invoker');
    assert.equal(key.name, 'invoker key');
    assert.deepEqual(key.functions, ['orders-*', 'billing'], 'duplicates dropped');
    assert.equal(key.expiresAt, '2026-05-31T00:00:00.000Z');
    assert.equal(key.status, 'active');
    assert.deepEqual(keys.authenticate(`Bearer ${secret}`), { id: key.id, role: 'invoker', name: 'invoker key', functions: ['orders-*', 'billing'], expiresAt: key.expiresAt });
    assert.ok(keys.signingSecret(key.id));

    now = Date.parse('2026-06-01T00:00:00Z');
    assert.throws(() => keys.authenticate(`Bearer ${secret}`), /expired at 2026-05-31/);
    assert.equal(keys.signingSecret(key.id), undefined, 'SigV4 sees an expired key as no key');
    assert.equal(keys.info(key.id)!.status, 'expired');

    const other = keys.create({ role: 'viewer' });
    keys.revoke(other.key.id);
    assert.throws(() => keys.authenticate(`Bearer ${other.secret}`), /revoked/);
    assert.throws(() => keys.authenticate(`Bearer ${other.key.id}.wrong-secret`), /not valid/, 'a wrong secret learns nothing more');
    assert.equal(keys.info(other.key.id)!.status, 'revoked');
    assert.throws(() => keys.revoke('nosuch'), (e: Error & { type?: string }) => e.type === 'KeyNotFound');
    assert.deepEqual(keys.list().map((k) => k.status), ['expired', 'revoked']);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a new key is refused with every problem at once: an unknown role, a bad glob, a scoped admin, an expiry in the past', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-keys-'));
  const db = openDatabase(join(dir, 'db'));
  try {
    const keys = new ApiKeys(new ApiKeysTable(db), Buffer.alloc(32, 3));
    assert.throws(() => keys.create({ role: 'root', functions: ['a/b'], expiresAt: '2001-01-01T00:00:00Z' }), (e: Error & { details?: { problems: string[] } }) =>
      e.details?.problems.length === 3 && /role must be one of admin, developer, invoker, viewer/.test(e.message));
    assert.throws(() => keys.create({ role: 'admin', functions: ['x'] }), /admin key cannot be limited/);
    assert.throws(() => keys.create({ role: 'viewer', expiresIn: '30 days' }), /expiresIn/);
    assert.equal(keys.list().length, 0, 'nothing was stored');
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
