// What `skyscale deploy` sends: the dependencies are left to the server's build (no
// local pip; a Node.js folder's node_modules stays home when package.json lists
// dependencies), while `skyscale test`, which runs here, keeps them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { dependencyManifestHere, packageFolder } from './function-folder.js';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-folder-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function names(zip: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => {
      if (err || !z) return reject(err);
      const out: string[] = [];
      z.on('entry', (e: yauzl.Entry) => { out.push(e.fileName); z.readEntry(); });
      z.on('end', () => resolve(out.sort()));
      z.readEntry();
    });
  });
}

const NO_SUCH = 'skyscale-no-such-package-7f3a==1.0\n';

test('deploy sends requirements.txt as it is, for the server to install: nothing runs here', async () => {
  const dir = folder({ 'handler.py': '', 'requirements.txt': NO_SUCH, 'skyscale.json': '{}' });
  assert.equal(dependencyManifestHere(dir, 'python3.11'), true);
  assert.deepEqual(await names(await packageFolder(dir, () => {}, 'python3.11', 'server')), ['handler.py', 'requirements.txt']);
});

test('a Node.js folder\'s node_modules stays home when package.json lists dependencies (the server runs npm), and travels when it does not', async () => {
  const withDeps = folder({ 'index.mjs': '', 'package.json': '{"dependencies":{"ms":"2.1.3"}}', 'package-lock.json': '{}', 'node_modules/ms/index.js': '' });
  assert.deepEqual(await names(await packageFolder(withDeps, () => {}, 'nodejs22.x', 'server')), ['index.mjs', 'package-lock.json', 'package.json']);
  assert.ok((await names(await packageFolder(withDeps, () => {}, 'nodejs22.x', 'local'))).includes('node_modules/ms/index.js'), 'test runs with the folder\'s own');
  const vendored = folder({ 'index.mjs': '', 'package.json': '{"type":"module"}', 'node_modules/shout/index.js': '' });
  assert.equal(dependencyManifestHere(vendored, 'nodejs22.x'), false);
  assert.deepEqual(await names(await packageFolder(vendored, () => {}, 'nodejs22.x', 'server')), ['index.mjs', 'node_modules/shout/index.js', 'package.json']);
});
