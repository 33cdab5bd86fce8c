// The Lambda surface as a whole, in process: SigV4 (the real AWS SDK signing, a wrong
// secret answered as an unknown key id is, a body altered after signing), Bearer keys,
// unsigned requests on every date prefix, unknown routes, and the REST-JSON error shape
// botocore and the SDK read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { ADMIN_KEY, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  await t.deploy('lam');
});
after(async () => { await t?.close(); });

/** Asserts the call is refused with that exception and status; returns its message. */
async function refusedAs(client: LambdaClient, p: Promise<unknown>, name: string, status: number): Promise<string> {
  let message = '';
  try {
    await assert.rejects(p, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
      assert.equal(err.$metadata?.httpStatusCode, status);
      message = err.message;
      return true;
    });
  } finally {
    client.destroy();
  }
  return message;
}

test('a request signed with the right secret is served; a wrong secret and an unknown key id get the same InvalidSignatureException (403)', async () => {
  const right = lambdaClient(t.app);
  try {
    assert.ok((await right.send(new ListFunctionsCommand({}))).Functions?.some((f) => f.FunctionName === 'lam'));
  } finally {
    right.destroy();
  }
  const wrong = lambdaClient(t.app, `${ADMIN_KEY.split('.')[0]}.not-the-secret`);
  const wrongAnswer = await refusedAs(wrong, wrong.send(new ListFunctionsCommand({})), 'InvalidSignatureException', 403);
  // the answer must not tell whether a key id exists
  const unknown = lambdaClient(t.app, 'nosuchkey.0123456789abcdef');
  const unknownAnswer = await refusedAs(unknown, unknown.send(new ListFunctionsCommand({})), 'InvalidSignatureException', 403);
  assert.equal(unknownAnswer, wrongAnswer);
  assert.match(wrongAnswer, /signature we calculated does not match/);
});

test('a body altered after signing is refused before the function runs', async () => {
  const before = t.services.recorder.recentForFunction('lam', 100).length;
  const tampering = lambdaClient(t.app);
  // runs after the signer: the body changes, the signature does not
  const tamper = (next: (a: unknown) => Promise<unknown>) => async (args: unknown) => {
    const req = (args as { request: { body: unknown } }).request;
    req.body = Buffer.from(Buffer.from(req.body as Uint8Array).toString('utf8').replace('"n":1', '"n":2'));
    return next(args);
  };
  tampering.middlewareStack.addRelativeTo(tamper as never, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamper' });
  await refusedAs(tampering, tampering.send(new InvokeCommand({ FunctionName: 'lam', Payload: new TextEncoder().encode('{"n":1}') })), 'InvalidSignatureException', 403);
  assert.equal(t.services.recorder.recentForFunction('lam', 100).length, before, 'nothing ran');
});

test('every date prefix refuses an unsigned request (401 UnrecognizedClientException) and takes a Bearer key', async () => {
  for (const url of ['/2015-03-31/functions/', '/2017-10-31/functions/lam/concurrency', '/2019-09-30/functions/lam/concurrency', '/2021-10-31/functions/lam/urls']) {
    const method = url.startsWith('/2017') ? 'DELETE' : 'GET';
    const unsigned = await t.app.inject({ method, url });
    assert.equal(unsigned.statusCode, 401, url);
    assert.equal(unsigned.headers['x-amzn-errortype'], 'UnrecognizedClientException', url);
    assert.match(unsigned.json().message, /not signed/);
    const bearer = await t.request(method, url);
    assert.ok(bearer.statusCode < 300, `${url}: ${bearer.statusCode} ${bearer.body}`);
  }
});

test('errors are REST-JSON: the status, x-amzn-ErrorType, x-amzn-RequestId and {Type, message}, {Type, Message} when not found', async () => {
  const missing = await t.request('GET', '/2015-03-31/functions/nope');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.headers['x-amzn-errortype'], 'ResourceNotFoundException');
  assert.ok(missing.headers['x-amzn-requestid']);
  assert.deepEqual(missing.json(), { Type: 'User', Message: 'Function not found: arn:aws:lambda:local:000000000000:function:nope' });
  const conflict = await t.request('POST', '/2015-03-31/functions/lam/versions', { RevisionId: 'stale' });
  assert.equal(conflict.headers['x-amzn-errortype'], 'PreconditionFailedException');
  assert.deepEqual(Object.keys(conflict.json()).sort(), ['Type', 'message']);
  const route = await t.request('GET', '/2015-03-31/layers');
  assert.equal(route.statusCode, 404);
  assert.equal(route.headers['x-amzn-errortype'], 'ResourceNotFoundException');
  assert.match(route.json().Message, /no Lambda API route/);
  const ok = await t.request('GET', '/2015-03-31/functions/lam');
  assert.ok(ok.headers['x-amzn-requestid'], 'successes carry a request id too');
});
