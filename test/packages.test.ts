// A refused package leaves the server deploying and running good ones in a real
// sandbox. Every refusal itself (not an archive, a missing handler file, a path that
// climbs out, bad settings and names, a second create, invoking without code) is
// tested in process in src/api/native/functions.test.ts and
// src/registry/code-package.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './harness.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  await s.api('PUT', '/v1/functions/pkg', { handler: 'handler.handler' });
});
after(async () => { await s?.stop(); });

test('after a refused package the server still deploys and runs a good one', async () => {
  const refused = await s.api('POST', '/v1/functions/pkg/versions', Buffer.from('def handler(e, c): pass\n'), { 'content-type': 'application/octet-stream' });
  assert.equal(refused.status, 400);
  assert.equal(refused.json().error.type, 'InvalidCodePackage');
  await s.deploy('pkg', { 'handler.py': 'def handler(e, c):\n    return "fine"\n' });
  assert.equal((await s.invoke('pkg')).json(), 'fine');
});
