// skyscale deploy of a folder with requirements.txt: nothing is installed here, the
// server's build (a stand-in here) runs, and the CLI prints the tail of its log, or the
// build's error with the installer's lines and exit 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SkyscaleError } from '../../errors.js';
import { writeTar } from '../../registry/tar-writer.js';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { runCliAt } from '../../../test/fakes/cli.js';

let t: TestApp;
let endpoint: string;
let fail = false;
before(async () => {
  t = await startTestApp();
  t.services.registry.useDependencyBuilder({
    build: async () => {
      if (fail) throw new SkyscaleError('DependencyBuildFailed', 'pip could not install requirements.txt:\nERROR: No matching distribution found for nope', { hint: 'fix requirements.txt' });
      const archive = gzipSync(writeTar([{ path: 'six.py', kind: 'file', executable: false, content: Buffer.from('') }]));
      return { archive, log: 'Collecting six\nSuccessfully installed six-1.16.0\n[build] dependencies: 0.0 MB installed in 1.0 s (python3.11)\n', cached: false, key: 'k' };
    },
  });
  endpoint = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => { await t?.close(); });

function folder(requirements: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'skyscale-deploy-')), 'withdeps');
  mkdirSync(dir);
  writeFileSync(join(dir, 'handler.py'), 'import six\ndef handler(e, c):\n    return 1\n');
  writeFileSync(join(dir, 'requirements.txt'), requirements);
  return dir;
}

test('deploy leaves requirements.txt to the server and prints the tail of its build log', async () => {
  const r = await runCliAt(endpoint, ['deploy', '--name', 'withdeps', '--dir', folder('six\n')]);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /installing \d+ requirement/, 'nothing installed on this machine');
  assert.match(r.stderr, /the server installs the dependencies/);
  assert.match(r.stderr, /dependency build \(last lines\):\nCollecting six\nSuccessfully installed six-1\.16\.0\n\[build\] dependencies/);
  assert.match(r.stdout, /Deployed withdeps version 1/);
});

test('a failing build fails the deploy with the installer\'s lines, exit 1', async () => {
  fail = true;
  const r = await runCliAt(endpoint, ['deploy', '--name', 'withdeps', '--dir', folder('nope\n')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /No matching distribution found for nope/);
  assert.equal(t.services.registry.versions('withdeps').length, 1, 'the function keeps its version');
});

test('--local-deps ships the package as it is (node_modules included) and the server builds nothing', async () => {
  fail = true; // a build would fail: none runs
  const dir = join(mkdtempSync(join(tmpdir(), 'skyscale-deploy-')), 'vendored');
  mkdirSync(join(dir, 'node_modules', 'shout'), { recursive: true });
  writeFileSync(join(dir, 'index.mjs'), "import shout from 'shout';\nexport const handler = async () => shout('a');\n");
  writeFileSync(join(dir, 'package.json'), '{"type":"module","dependencies":{"shout":"1.0.0"}}');
  writeFileSync(join(dir, 'node_modules', 'shout', 'index.js'), 'module.exports = (s) => s.toUpperCase();\n');
  writeFileSync(join(dir, 'skyscale.json'), '{"runtime":"nodejs22.x","handler":"index.handler"}');
  const r = await runCliAt(endpoint, ['deploy', '--name', 'vendored', '--dir', dir, '--local-deps']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /dependency build/);
  const { snapshot } = t.services.registry.latest('vendored');
  assert.ok((await t.services.registry.readCode(snapshot!)).includes(Buffer.from('s.toUpperCase()')), 'node_modules went with the code');
  const bad = await t.request('POST', '/v1/functions/vendored/versions', Buffer.from('x'), { 'content-type': 'application/zip', 'skyscale-dependencies': 'maybe' });
  assert.equal(bad.statusCode, 400);
  assert.match(bad.json().error.message, /Skyscale-Dependencies header is "build" .* or "included"/);
});
