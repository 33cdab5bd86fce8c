// A native deploy hands a package with requirements.txt / package.json to the server's
// dependency build (a stand-in builder here): the answer carries the build, the stored
// package holds the built files beside the code (a Node.js package's own node_modules
// gives way), and a failing build changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { SkyscaleError } from '../../errors.js';
import type { BuiltDependencies, DependencyBuilder, DependencyManifest } from '../../model/dependency-build.js';
import { writeTar } from '../../registry/tar-writer.js';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { zipFiles } from '../../../test/fakes/zip.js';

let t: TestApp;
const asked: { runtime: string; manifest: DependencyManifest }[] = [];
let next: (m: DependencyManifest) => BuiltDependencies = () => { throw new Error('no build expected'); };
const builder: DependencyBuilder = { build: async (runtime, manifest) => { asked.push({ runtime, manifest }); return next(manifest); } };

before(async () => {
  t = await startTestApp();
  t.services.registry.useDependencyBuilder(builder);
});
after(async () => { await t?.close(); });

const archiveOf = (files: Record<string, string>) => gzipSync(writeTar(Object.entries(files).map(([path, content]) => ({ path, kind: 'file' as const, executable: false, content: Buffer.from(content) }))));

const deploy = async (name: string, files: Record<string, string>, settings: Record<string, unknown> = {}) => t.request('POST', `/v1/functions/${name}/versions`, await zipFiles(files), {
  'content-type': 'application/zip', 'skyscale-settings': JSON.stringify({ handler: 'handler.handler', ...settings }),
});

async function storedFiles(name: string): Promise<string[]> {
  const { snapshot } = t.services.registry.latest(name);
  const tar = await t.services.registry.readCode(snapshot!);
  const names: string[] = [];
  for (let off = 0; off + 512 <= tar.length;) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    const type = String.fromCharCode(header[156]!);
    const prefix = header.subarray(345, 500).toString('latin1').replace(/\0.*$/s, '');
    const base = header.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    if (type === '0') names.push(prefix ? `${prefix}/${base}` : base);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return names.sort();
}

test('the built dependencies go into the stored package beside the code, and the answer carries the build', async () => {
  next = () => ({ archive: archiveOf({ 'markupsafe/__init__.py': '', 'handler.py': 'shadowed' }), log: 'Successfully installed markupsafe\n', cached: false, key: 'k1' });
  const res = await deploy('with-deps', { 'handler.py': 'def handler(e, c):\n    return 1\n', 'requirements.txt': 'markupsafe\n' });
  assert.equal(res.statusCode, 201, res.body);
  assert.deepEqual(res.json().build, { cached: false, key: 'k1', log: 'Successfully installed markupsafe\n' });
  assert.equal(asked.at(-1)!.runtime, 'python3.11');
  assert.equal(asked.at(-1)!.manifest.files['requirements.txt']!.toString(), 'markupsafe\n');
  assert.deepEqual(await storedFiles('with-deps'), ['handler.py', 'markupsafe/__init__.py', 'requirements.txt']);
  const { snapshot } = t.services.registry.latest('with-deps');
  const tar = await t.services.registry.readCode(snapshot!);
  assert.ok(tar.includes(Buffer.from('return 1')), 'the package\'s own file wins over a dependency\'s');
});

test('a Node.js package\'s own node_modules gives way to the built one', async () => {
  next = () => ({ archive: archiveOf({ 'node_modules/ms/index.js': 'module.exports = 1' }), log: 'added 1 package\n', cached: true, key: 'k2' });
  const res = await deploy('node-deps', { 'index.mjs': 'export const handler = async () => 1;', 'package.json': '{"dependencies":{"ms":"2.1.3"}}', 'node_modules/old/index.js': '' },
    { runtime: 'nodejs22.x', handler: 'index.handler' });
  assert.equal(res.statusCode, 201, res.body);
  assert.equal(res.json().build.cached, true);
  assert.deepEqual(await storedFiles('node-deps'), ['index.mjs', 'node_modules/ms/index.js', 'package.json']);
});

test('a failing build fails the deploy with its error, and the function keeps its version', async () => {
  next = () => ({ archive: archiveOf({}), log: '', cached: false, key: 'k0' });
  await deploy('keeps', { 'handler.py': 'def handler(e, c):\n    return 1\n' });
  const before = t.services.registry.versions('keeps').length;
  const calls = asked.length;
  next = () => { throw new SkyscaleError('DependencyBuildFailed', 'pip could not install requirements.txt:\nERROR: No matching distribution found for nope', { details: { log: 'ERROR: No matching distribution found for nope' } }); };
  const res = await deploy('keeps', { 'handler.py': 'def handler(e, c):\n    return 2\n', 'requirements.txt': 'nope\n' });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.type, 'DependencyBuildFailed');
  assert.match(res.json().error.message, /No matching distribution found for nope/);
  assert.equal(asked.length, calls + 1);
  assert.equal(t.services.registry.versions('keeps').length, before, 'nothing was stored');
});

test('a package without requirements builds nothing; the Lambda API takes packages as they come', async () => {
  const calls = asked.length;
  assert.equal((await deploy('plain', { 'handler.py': 'def handler(e, c):\n    return 1\n', 'requirements.txt': '# none yet\n' })).statusCode, 201);
  const created = await t.request('POST', '/2015-03-31/functions', {
    FunctionName: 'lambda-made', Runtime: 'python3.11', Handler: 'handler.handler', Role: 'arn:aws:iam::000000000000:role/x',
    Code: { ZipFile: (await zipFiles({ 'handler.py': 'def handler(e, c):\n    return 1\n', 'requirements.txt': 'six\n' })).toString('base64') },
  });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(asked.length, calls);
});
