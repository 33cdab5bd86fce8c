// The tar the dashboard builds in the browser (dashboard/src/tar.ts; the same code runs
// here, compiled with the control plane) is read by the registry as the one file it
// holds: the same canonical package as a zip of that file, whatever its size against
// the tar's 512-byte blocks (empty, one block exactly, more) and whatever characters it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizePackage } from '../../registry/code-package.js';
import { CodeStore } from '../../registry/code-store.js';
import { zipFiles } from '../../../test/fakes/zip.js';
import { tarOneFile } from '../../../dashboard/src/tar.js';

const HANDLER = 'def handler(event, context):\n    return {"ok": "é ✓ 日本"}\n';
const ASCII = 'def handler(event, context):\n    return 1\n';

test('a handler packed by the page is the same package as a zip of it', async () => {
  for (const content of [HANDLER, ASCII.padEnd(512, '#'), ASCII.padEnd(1025, '#'), '']) {
    const files = { 'handler.py': content };
    const fromPage = await canonicalizePackage(Buffer.from(tarOneFile('handler.py', content)), 'handler.handler');
    const fromZip = await canonicalizePackage(await zipFiles(files), 'handler.handler');
    assert.equal(CodeStore.digest(fromPage.tar), CodeStore.digest(fromZip.tar), `content of ${Buffer.byteLength(content)} bytes`);
    assert.equal(fromPage.unpackedBytes, Buffer.byteLength(content));
  }
});

test('a handler file the handler setting does not name is refused, as from any package', async () => {
  await assert.rejects(canonicalizePackage(Buffer.from(tarOneFile('app.py', 'def main(e, c):\n    return 1\n')), 'handler.handler'), { name: 'SkyscaleError', type: 'InvalidCodePackage' });
  const pkg = await canonicalizePackage(Buffer.from(tarOneFile('app.py', 'def main(e, c):\n    return 1\n')), 'app.main');
  assert.equal(pkg.files, 1);
});
