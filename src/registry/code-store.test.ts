import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SkyscaleError } from '../errors.js';
import { CodeStore } from './code-store.js';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skyscale-code-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

const blobPath = (dir: string, sha: string) => join(dir, sha.slice(0, 2), sha);

test('stores identical bytes once under their sha256 and verifies them on read', withDir(async (dir) => {
  const store = new CodeStore(dir);
  const a = store.put(Buffer.from('package a'));
  assert.deepEqual(store.put(Buffer.from('package a')), a);
  assert.equal(a.sha256, CodeStore.digest(Buffer.from('package a')));
  assert.equal((await store.get(a.sha256)).toString(), 'package a');
  const b = store.put(Buffer.from('package b'));
  writeFileSync(blobPath(dir, b.sha256), 'tampered');
  await assert.rejects(store.get(b.sha256), (e: SkyscaleError) => e.type === 'CodeBlobMissing' && /damaged/.test(e.message));
}));

test('a missing blob is a CodeBlobMissing error that names the package, not the path on the host', withDir(async (dir) => {
  const store = new CodeStore(dir);
  const a = store.put(Buffer.from('package a'));
  unlinkSync(blobPath(dir, a.sha256));
  await assert.rejects(store.get(a.sha256), (e: SkyscaleError) => {
    assert.equal(e.type, 'CodeBlobMissing');
    assert.equal(e.status, 500);
    assert.ok(e.message.includes(a.sha256));
    assert.ok(!e.message.includes(dir) && !e.message.includes('/'), e.message);
    return true;
  });
}));

test('a blob is swept only once nothing has referred to it for the whole grace period', withDir(async (dir) => {
  let now = 0;
  const store = new CodeStore(dir, { graceMs: 1000, now: () => now });
  const a = store.put(Buffer.from('package a'));
  const b = store.put(Buffer.from('package b'));
  assert.equal(store.sweep(new Set([a.sha256])), 0, 'b is let go of: its grace starts now');
  now = 999;
  assert.equal(store.sweep(new Set([a.sha256])), 0, 'within its grace b stays');
  assert.equal((await store.get(b.sha256)).toString(), 'package b', 'and can still be read');
  now = 1000;
  assert.equal(store.sweep(new Set([a.sha256])), 1);
  assert.ok(existsSync(blobPath(dir, a.sha256)), 'the referenced blob is still on disk');
  assert.ok(!existsSync(blobPath(dir, b.sha256)), 'the swept blob is gone from disk');
}));

test('a blob referenced again within its grace, or stored again, starts its grace over', withDir(async (dir) => {
  let now = 0;
  const store = new CodeStore(dir, { graceMs: 1000, now: () => now });
  const a = store.put(Buffer.from('package a'));
  store.sweep(new Set());
  now = 900;
  store.sweep(new Set([a.sha256])); // referenced again (an alias moved back to it)
  now = 1500;
  assert.equal(store.sweep(new Set()), 0, 'let go of again at 1500: a new grace');
  now = 2400;
  store.put(Buffer.from('package a')); // deployed anew
  now = 2600;
  assert.equal(store.sweep(new Set()), 0);
  now = 3600;
  assert.equal(store.sweep(new Set()), 1);
}));

test('a blob being read is never swept, whatever its grace', withDir(async (dir) => {
  let now = 0;
  const store = new CodeStore(dir, { graceMs: 0, now: () => now });
  const a = store.put(Buffer.alloc(4 << 20, 1));
  store.sweep(new Set());
  const reading = store.get(a.sha256);
  now = 10;
  assert.equal(store.sweep(new Set()), 0, 'the read in flight keeps it');
  assert.equal((await reading).length, 4 << 20);
  now = 20;
  store.sweep(new Set());
  now = 30;
  assert.equal(store.sweep(new Set()), 1, 'once read, it goes');
}));
