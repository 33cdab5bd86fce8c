import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CodeStore } from './code-store.js';

test('stores identical bytes once under their sha256, verifies on read, sweeps unreferenced blobs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-code-'));
  try {
    const store = new CodeStore(dir);
    const a = store.put(Buffer.from('package a'));
    assert.deepEqual(store.put(Buffer.from('package a')), a);
    const b = store.put(Buffer.from('package b'));
    assert.equal(a.sha256, CodeStore.digest(Buffer.from('package a')));
    assert.equal((await store.get(a.sha256)).toString(), 'package a');
    writeFileSync(join(dir, b.sha256.slice(0, 2), b.sha256), 'tampered');
    await assert.rejects(store.get(b.sha256), /corrupt/);
    assert.equal(store.sweep(new Set([a.sha256])), 1);
    assert.ok(existsSync(join(dir, a.sha256.slice(0, 2), a.sha256)), 'the kept blob is still on disk');
    assert.ok(!existsSync(join(dir, b.sha256.slice(0, 2), b.sha256)), 'the swept blob is gone from disk');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
