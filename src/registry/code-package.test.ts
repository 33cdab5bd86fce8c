import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { Parser } from 'tar';
import yazl from 'yazl';
import { canonicalizePackage, handlerModuleFiles } from './code-package.js';
import { writeTar } from './tar-writer.js';
import { CodeStore } from './code-store.js';
import { SkyscaleError } from '../errors.js';

async function zip(entries: { path: string; content?: string; mode?: number; dir?: boolean }[]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const e of entries) {
    if (e.dir) z.addEmptyDirectory(e.path);
    else z.addBuffer(Buffer.from(e.content ?? ''), e.path, { mode: e.mode ?? 0o100644, mtime: new Date(0) });
  }
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A raw ustar header, for entries writeTar would never make (links, traversal). */
function rawTar(entries: { name: string; type: string; linkname?: string; content?: string }[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.content ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.fill(' ', 148, 156);
    h.write(e.type, 156);
    h.write(e.linkname ?? '', 157);
    h.write('ustar\u000000', 257, 'binary');
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'binary');
    parts.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

async function expectInvalid(bytes: Buffer, pattern: RegExp, handler = 'handler.handler'): Promise<void> {
  await assert.rejects(canonicalizePackage(bytes, handler), (e: unknown) => {
    assert.ok(e instanceof SkyscaleError, `expected a SkyscaleError, got ${String(e)}`);
    assert.equal(e.type, 'InvalidCodePackage');
    assert.match(e.message, pattern);
    return true;
  });
}

test('a zip and a tar.gz of the same files give the same canonical package (same sha256)', async () => {
  const files = [{ path: 'handler.py', content: 'def handler(e, c): return 1\n' }, { path: 'lib/util.py', content: 'X = 1\n' }];
  const fromZip = await canonicalizePackage(await zip(files), 'handler.handler');
  const tgz = gzipSync(writeTar(files.map((f) => ({ path: f.path, kind: 'file' as const, content: Buffer.from(f.content) }))));
  const fromTgz = await canonicalizePackage(tgz, 'handler.handler');
  assert.equal(CodeStore.digest(fromZip.tar), CodeStore.digest(fromTgz.tar));
  assert.equal(fromZip.files, 2);
  assert.equal(fromZip.unpackedBytes, files[0]!.content.length + files[1]!.content.length);
});

test('refuses what is not an archive', async () => {
  await expectInvalid(Buffer.from('print("hello")\n'), /not a zip, tar.gz or tar/);
});

test('refuses a corrupt gzip stream', async () => {
  await expectInvalid(Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(40, 1)]), /gzip stream is corrupt/);
});

test('refuses path traversal and absolute paths in a tar', async () => {
  await expectInvalid(rawTar([{ name: 'handler.py', type: '0', content: 'x' }, { name: '../evil.py', type: '0', content: 'x' }]), /escapes the package/);
  await expectInvalid(rawTar([{ name: '/etc/evil', type: '0', content: 'x' }]), /absolute path/);
});

test('refuses path traversal in a zip', async () => {
  // yauzl itself refuses such names; the error must still be a clear InvalidCodePackage
  const z = await zip([{ path: 'handler.py', content: 'x' }, { path: 'a/xx/evil.py', content: 'x' }]);
  const patched = Buffer.from(z.toString('latin1').replaceAll('a/xx/evil.py', 'a/../../e.py'), 'latin1');
  await expectInvalid(patched, /\.\.|invalid relative path|escapes/);
});

test('refuses symlinks that leave the package and keeps ones that stay inside as copies', async () => {
  await expectInvalid(rawTar([{ name: 'handler.py', type: '0', content: 'x' }, { name: 'secret', type: '2', linkname: '/etc/shadow' }]), /points outside the package/);
  await expectInvalid(rawTar([{ name: 'handler.py', type: '0', content: 'x' }, { name: 'up', type: '2', linkname: '../../etc/passwd' }]), /points outside the package/);
  const ok = await canonicalizePackage(rawTar([{ name: 'real.py', type: '0', content: 'def handler(e, c): pass\n' }, { name: 'handler.py', type: '2', linkname: 'real.py' }]), 'handler.handler');
  assert.equal(ok.files, 2);
  assert.match(ok.tar.toString('latin1'), /handler\.py[\s\S]*def handler/);
});

test('refuses device files', async () => {
  await expectInvalid(rawTar([{ name: 'handler.py', type: '0', content: 'x' }, { name: 'dev', type: '3' }]), /CharacterDevice/);
});

test('refuses a package larger than the unpacked limit', async () => {
  const big = await zip([{ path: 'handler.py', content: 'x' }, { path: 'blob.bin', content: 'y'.repeat(5000) }]);
  await assert.rejects(canonicalizePackage(big, 'handler.handler', { maxUnpackedBytes: 4096, maxEntries: 100 }), /unpacks to more than/);
});

test('names the missing handler file and spots a folder zipped instead of its contents', async () => {
  await expectInvalid(await zip([{ path: 'hello_fire/handler.py', content: 'x' }]), /needs the file "handler\.py"/);
  await assert.rejects(canonicalizePackage(await zip([{ path: 'hello_fire/handler.py', content: 'x' }]), 'handler.handler'),
    (e: SkyscaleError) => /package the folder's contents/.test(e.hint ?? ''));
});

test('a Node.js handler takes index.js, index.mjs or index.cjs, and names them when none is there', async () => {
  for (const file of ['index.js', 'index.mjs', 'index.cjs']) {
    assert.ok((await canonicalizePackage(await zip([{ path: file, content: 'x' }]), 'index.handler', undefined, 'nodejs22.x')).files === 1, file);
  }
  await assert.rejects(canonicalizePackage(await zip([{ path: 'index.py', content: 'x' }]), 'index.handler', undefined, 'nodejs24.x'),
    /needs the file "index\.js" or "index\.mjs" or "index\.cjs"/);
});

test('maps handler strings to module files like Lambda', () => {
  assert.deepEqual(handlerModuleFiles('handler.handler'), ['handler.py', 'handler/__init__.py']);
  assert.deepEqual(handlerModuleFiles('pkg.mod.fn'), ['pkg/mod.py', 'pkg/mod/__init__.py']);
  assert.deepEqual(handlerModuleFiles('src/app.main'), ['src/app.py', 'src/app/__init__.py']);
  assert.deepEqual(handlerModuleFiles('index.handler', 'nodejs22.x'), ['index.js', 'index.mjs', 'index.cjs']);
  assert.deepEqual(handlerModuleFiles('src/app.handlers.main', 'nodejs24.x'), ['src/app.js', 'src/app.mjs', 'src/app.cjs']);
});

test('keeps the executable bit and long paths', async () => {
  const long = `${'d'.repeat(120)}/${'f'.repeat(90)}.py`;
  const pkg = await canonicalizePackage(await zip([{ path: 'handler.py', content: 'x' }, { path: 'run.sh', content: '#!/bin/sh', mode: 0o100755 }, { path: long, content: 'y' }]), 'handler.handler');
  const entries = new Map<string, number>();
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({ onReadEntry: (e) => { entries.set(e.path, e.mode ?? 0); e.resume(); } });
    parser.on('end', () => resolve());
    parser.on('error', reject);
    parser.end(pkg.tar);
  });
  assert.equal((entries.get('run.sh') ?? 0) & 0o777, 0o755, 'the executable bit is kept');
  assert.equal((entries.get('handler.py') ?? 0) & 0o777, 0o644);
  assert.ok(entries.has(long), 'the long path reads back whole');
});
