// Bad packages and settings are refused with 400 and a message naming the problem.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startTestServer, zipFiles, type TestServer } from './harness.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  await s.api('PUT', '/v1/functions/pkg', { handler: 'handler.handler' });
});
after(async () => { await s?.stop(); });

async function upload(bytes: Buffer) {
  return s.api('POST', '/v1/functions/pkg/versions', bytes, { 'content-type': 'application/octet-stream' });
}

test('not an archive', async () => {
  const res = await upload(Buffer.from('def handler(e, c): pass\n'));
  assert.equal(res.status, 400);
  assert.equal(res.json().error.type, 'InvalidCodePackage');
  assert.match(res.json().error.message, /not a zip, tar.gz or tar/);
});

test('missing handler file, with a hint when the folder itself was zipped', async () => {
  const res = await upload(await zipFiles({ 'pkg/handler.py': 'x' }));
  assert.equal(res.status, 400);
  assert.match(res.json().error.message, /needs the file "handler.py"/);
  assert.match(res.json().error.hint, /folder's contents/);
});

test('path traversal in a tar.gz', async () => {
  const h = Buffer.alloc(512);
  h.write('../../etc/cron.d/evil', 0);
  for (const [off, v] of [[100, '0000644\0'], [108, '0000000\0'], [116, '0000000\0'], [124, '00000000001\0'], [136, '00000000000\0']] as const) h.write(v, off);
  h.fill(' ', 148, 156);
  h.write('0', 156);
  h.write('ustar\u000000', 257, 'binary');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'binary');
  const tar = Buffer.concat([h, Buffer.from('x'), Buffer.alloc(511), Buffer.alloc(1024)]);
  const res = await upload(gzipSync(tar));
  assert.equal(res.status, 400);
  assert.match(res.json().error.message, /escapes the package/);
});

test('invalid settings name every problem', async () => {
  const res = await s.api('PUT', '/v1/functions/pkg', { memory: 1, timeout: 100000, runtime: 'cobol' });
  assert.equal(res.status, 400);
  assert.equal(res.json().error.type, 'InvalidFunctionConfig');
  assert.equal(res.json().error.details.problems.length, 3);
});

test('an invalid function name is refused', async () => {
  const res = await s.api('POST', '/v1/functions', { name: 'no spaces allowed' });
  assert.equal(res.status, 400);
  assert.match(res.json().error.message, /name must be/);
});

test('creating a function twice is a conflict', async () => {
  assert.equal((await s.api('POST', '/v1/functions', { name: 'twice' })).status, 201);
  const res = await s.api('POST', '/v1/functions', { name: 'twice' });
  assert.equal(res.status, 409);
  assert.equal(res.json().error.type, 'FunctionExists');
});

test('invoking a function without code is a clear 409', async () => {
  const res = await s.invoke('twice');
  assert.equal(res.status, 409);
  assert.equal(res.json().error.type, 'FunctionNotReady');
});

test('after all of that the server still deploys and runs a good package', async () => {
  await s.deploy('pkg', { 'handler.py': 'def handler(e, c):\n    return "fine"\n' });
  assert.equal((await s.invoke('pkg')).json(), 'fine');
});
