import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { openDatabase } from '../store/database.js';
import { FunctionsTable } from '../store/functions-table.js';
import { AliasesTable } from '../store/aliases-table.js';
import { TagsTable } from '../store/tags-table.js';
import { seal, unseal } from '../auth/master-key.js';
import { SkyscaleError } from '../errors.js';
import { CodeStore, SWEEP_GRACE_MS } from './code-store.js';
import { Registry } from './registry.js';

async function zip(text: string): Promise<Buffer> {
  const z = new yazl.ZipFile();
  z.addBuffer(Buffer.from(text), 'handler.py', { mtime: new Date(0) });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function withRegistry(fn: (r: Registry, clock: { now: number }) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skyscale-registry-'));
    const db = openDatabase(join(dir, 'db'));
    const clock = { now: 0 };
    try {
      const key = randomBytes(32);
      const secrets = { seal: (p: string, c: string) => seal(key, p, c), unseal: (x: string, c: string) => unseal(key, x, c) };
      await fn(new Registry(new FunctionsTable(db), new CodeStore(join(dir, 'code'), { now: () => clock.now }), { aliases: new AliasesTable(db), tags: new TagsTable(db), secrets }), clock);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('Lambda-style updates make unpublished $LATEST states; publishing numbers them; numbers are never reused', withRegistry(async (r) => {
  const v1 = await r.createWithCode('f', { timeout: 3 }, await zip('def handler(e, c): return 1'), false);
  assert.equal(v1.published, false);
  assert.deepEqual(r.versions('f'), [], 'nothing published yet');
  assert.equal(r.resolve('f').version, v1.version, '$LATEST runs it');
  assert.throws(() => r.resolve('f', String(v1.version)), /no version/, 'but a qualifier cannot name it');
  await r.reconfigure('f', { timeout: 9 });
  assert.equal(r.resolve('f').timeoutS, 9, 'new settings run at once');
  const p = r.publish('f');
  assert.equal(p.timeoutS, 9);
  assert.equal(r.publish('f').version, p.version, 'an unchanged $LATEST publishes as the same version');
  await r.reconfigure('f', { timeout: 9 });
  assert.equal(r.latest('f').snapshot!.version, p.version, 'an update that changes nothing makes no new state');
  const d = await r.deploy('f', await zip('def handler(e, c): return 2'));
  assert.ok(d.version > p.version);
  assert.deepEqual(r.versions('f').map((v) => v.version), [p.version, d.version]);
}));

test('rollback moves an alias, or $LATEST with its settings, back one published version', withRegistry(async (r) => {
  await r.create('g', {});
  const a = await r.deploy('g', await zip('def handler(e, c): return 1'));
  await r.upsert('g', { memory: 256 });
  const b = await r.deploy('g', await zip('def handler(e, c): return 2'));
  r.aliases.put('g', 'live', { functionVersion: b.version }, 'create');
  assert.equal(r.resolve('g', 'live').version, b.version);
  assert.deepEqual(await r.rollback('g', 'live'), { from: b.version, to: a.version, alias: 'live' });
  assert.equal(r.resolve('g', 'live').version, a.version, 'the cached resolution was dropped');
  await assert.rejects(r.rollback('g', 'live'), /no earlier version/);
  assert.deepEqual(await r.rollback('g'), { from: b.version, to: a.version });
  assert.equal(r.get('g').memoryMb, 128, 'the function takes the settings of the version rolled back to');
  assert.throws(() => r.deleteVersion('g', a.version), /alias|\$LATEST/);
  await r.reconfigure('g', { memory: 512 });
  const c = await r.deploy('g', await zip('def handler(e, c): return 3'));
  assert.ok(c.version > b.version, 'numbers keep growing after a rollback');
  r.aliases.delete('g', 'live');
  r.deleteVersion('g', a.version);
  assert.deepEqual(r.versions('g').map((v) => v.version), [b.version, c.version]);
}));

test('code an invocation has resolved stays readable when a deploy lets go of it, until the grace period is over', withRegistry(async (r, clock) => {
  await r.createWithCode('h', {}, await zip('def handler(e, c): return 1'), false);
  const resolved = r.resolve('h'); // an invocation on its way to a cold start
  await r.deploy('h', await zip('def handler(e, c): return 2'), { publish: false }); // replaces the unpublished $LATEST
  assert.equal(r.resolve('h').version > resolved.version, true);
  assert.ok((await r.readCode(resolved)).length > 0, 'the cold start still finds its code');
  await r.delete('h');
  clock.now = SWEEP_GRACE_MS - 1;
  r.sweepCode();
  assert.ok((await r.readCode(resolved)).length > 0, 'even the function deleted, within the grace period');
  clock.now = 2 * SWEEP_GRACE_MS;
  assert.equal(r.sweepCode(), 2, 'both packages go once nothing can still be on its way to them');
  await assert.rejects(r.readCode(resolved), (e: SkyscaleError) => e.type === 'CodeBlobMissing' && !e.message.includes('/'));
}));
