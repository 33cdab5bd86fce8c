// No answer names a file of the host, on any surface: a code package missing from the
// code store (ENOENT naming the blob's file), a sandbox that fails to start with a path
// in its error, an unexpected fault; nor does the invocation record kept of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../test/fakes/app.js';
import { toSkyscaleError } from './error-reply.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t?.close(); });

function assertNoHostPath(text: string, what: string): void {
  assert.ok(!text.includes(t.dataDir), `${what} names the data directory: ${text}`);
  assert.doesNotMatch(text, /(^|[\s'"(=])\/(tmp|root|home|var|usr|run)\//, `${what} names a host path: ${text}`);
}

test('a code package missing from the code store is an error that names no file, on all three surfaces and in the record', async () => {
  await t.deploy('lost');
  assert.equal((await t.request('POST', '/2021-10-31/functions/lost/url', { AuthType: 'NONE' })).statusCode, 201);
  const code = join(t.dataDir, 'code');
  for (const dir of readdirSync(code)) rmSync(join(code, dir), { recursive: true, force: true });

  const native = await t.request('POST', '/v1/functions/lost/invocations', {});
  assert.equal(native.statusCode, 500);
  assert.equal(native.json().error.type, 'CodeBlobMissing');
  assert.match(native.json().error.message, /cannot be read from the code store \(it is missing\)/);
  assertNoHostPath(native.body, 'the native answer');
  const lambda = await t.request('POST', '/2015-03-31/functions/lost/invocations', {});
  assert.equal(lambda.statusCode, 500);
  assertNoHostPath(lambda.body, 'the Lambda answer');
  const url = await t.app.inject({ method: 'GET', url: '/fn/lost/' });
  assert.equal(url.statusCode, 500);
  assertNoHostPath(url.body, 'the function URL answer');

  t.services.recorder.flush();
  const [failed] = t.services.recorder.recentForFunction('lost', 1);
  assert.equal(failed!.status, 'failed');
  const record = await t.request('GET', `/v1/invocations/${failed!.id}`);
  assert.match(record.json().invocation.errorMessage, /cannot be read from the code store/);
  assertNoHostPath(record.body, 'the invocation record');
});

test('a sandbox that fails to start with a path in its error: the answer and the record leave the path out', async () => {
  await t.deploy('unlucky');
  t.driver.failNext = 1;
  t.driver.failMessage = `runsc: cannot open ${t.dataDir}/gvisor/bundles/sky-1/config.json: permission denied (see /var/log/runsc.log)`;
  try {
    const res = await t.request('POST', '/v1/functions/unlucky/invocations', {});
    assert.equal(res.statusCode, 502);
    assert.equal(res.json().error.type, 'SandboxStartFailed');
    assert.match(res.json().error.message, /permission denied/, 'what went wrong is still said');
    assertNoHostPath(res.body, 'the answer');
    t.services.recorder.flush();
    const [failed] = t.services.recorder.recentForFunction('unlucky', 1);
    assertNoHostPath((await t.request('GET', `/v1/invocations/${failed!.id}`)).body, 'the record');
  } finally {
    t.driver.failNext = 0;
    t.driver.failMessage = 'boot failed';
  }
});

test("an unexpected fault is answered without its own words, which may name files", () => {
  const e = toSkyscaleError(Object.assign(new Error("EACCES: permission denied, open '/root/.skyscale/master.key'"), { code: 'EACCES' }));
  assert.equal(e.type, 'InternalError');
  assert.doesNotMatch(e.message, /master\.key|\/root/);
});
