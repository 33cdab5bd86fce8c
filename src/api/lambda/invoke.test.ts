// Lambda Invoke with the real AWS SDK, in process: RequestResponse with the executed
// version, the log tail and function errors; Event (202, then it runs and is
// recorded); DryRun (204); the payload limits and the exceptions for bad input.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { eventually, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';

let t: TestApp;
let lambda: LambdaClient;
before(async () => {
  t = await startTestApp();
  lambda = lambdaClient(t.app);
  await t.deploy('lam');
  await t.deploy('lam');
  await t.request('PUT', '/v1/functions/lam/aliases/live', { version: 1 });
});
after(async () => {
  lambda?.destroy();
  await t?.close();
});

const payload = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const decode = (b: Uint8Array | undefined) => JSON.parse(Buffer.from(b ?? []).toString('utf8'));

async function rejects(p: Promise<unknown>, name: string): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as Error).name, name, `expected ${name}, got ${(err as Error).name}: ${(err as Error).message}`);
    return err as Error;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

test('RequestResponse answers the result, the request id and the executed version; an alias or version runs what it names', async () => {
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'lam', Payload: payload({ n: 1 }) }));
  assert.equal(out.StatusCode, 200);
  assert.equal(out.FunctionError, undefined);
  assert.equal(out.ExecutedVersion, '$LATEST');
  assert.deepEqual(decode(out.Payload), { n: 1 });
  assert.match(out.$metadata.requestId!, /^[0-9a-f-]{36}$/);
  assert.ok(t.services.recorder.get(out.$metadata.requestId!), 'the record is under the request id the client got');
  assert.equal((await lambda.send(new InvokeCommand({ FunctionName: 'lam', Qualifier: 'live' }))).ExecutedVersion, '1');
  assert.equal((await lambda.send(new InvokeCommand({ FunctionName: 'lam:live' }))).ExecutedVersion, '1');
  assert.equal((await lambda.send(new InvokeCommand({ FunctionName: 'arn:aws:lambda:local:000000000000:function:lam:2' }))).ExecutedVersion, '2');
  assert.deepEqual(decode((await lambda.send(new InvokeCommand({ FunctionName: 'lam' }))).Payload), {}, 'no payload is the event {}');
});

test('a function error is 200 with FunctionError and the error as payload; LogType Tail returns the log', async () => {
  t.driver.handler = () => ({ status: 'error', payload: JSON.stringify({ errorType: 'ValueError', errorMessage: 'asked to fail' }), log: 'running lam\n' });
  try {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'lam', Payload: payload({ fail: true }), LogType: 'Tail' }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, 'Unhandled');
    assert.deepEqual(decode(out.Payload), { errorType: 'ValueError', errorMessage: 'asked to fail' });
    assert.equal(Buffer.from(out.LogResult!, 'base64').toString('utf8'), 'running lam\n');
  } finally {
    t.driver.handler = null;
  }
});

test('Event answers 202 once queued and then runs, under the request id it answered (its first attempt recorded as <id>.1); DryRun answers 204', async () => {
  const queued = await lambda.send(new InvokeCommand({ FunctionName: 'lam', InvocationType: 'Event', Payload: payload({ n: 42 }) }));
  assert.equal(queued.StatusCode, 202);
  const id = queued.$metadata.requestId!;
  const done = await eventually(() => t.services.asyncInvocations.get(id)?.event.state === 'succeeded', 'the Event invocation to run');
  assert.ok(done);
  const record = await eventually(() => t.services.recorder.get(`${id}.1`), 'its attempt record');
  assert.equal(record.status, 'success');
  assert.equal(record.requestBytes, JSON.stringify({ n: 42 }).length);
  const dry = await lambda.send(new InvokeCommand({ FunctionName: 'lam', InvocationType: 'DryRun' }));
  assert.equal(dry.StatusCode, 204);
  await rejects(lambda.send(new InvokeCommand({ FunctionName: 'nope', InvocationType: 'DryRun' })), 'ResourceNotFoundException');
  const stored = Object.values(t.services.asyncInvocations.counts()).reduce((a, b) => a + b, 0);
  await rejects(lambda.send(new InvokeCommand({ FunctionName: 'nope', InvocationType: 'Event' })), 'ResourceNotFoundException');
  assert.equal(Object.values(t.services.asyncInvocations.counts()).reduce((a, b) => a + b, 0), stored, 'an Event for no function is not queued');
});

test('payload limits: a body over 6 MB is RequestEntityTooLargeException (413) in AWS words; so is an Event over 1 MB', async () => {
  const big = payload({ pad: 'x'.repeat(6 * 1024 * 1024) });
  const tooLarge = await rejects(lambda.send(new InvokeCommand({ FunctionName: 'lam', Payload: big })), 'RequestEntityTooLargeException');
  assert.equal(tooLarge.$metadata?.httpStatusCode, 413);
  assert.equal(tooLarge.message, 'Request must be smaller than 6291456 bytes for the InvokeFunction operation');
  const event = payload({ pad: 'x'.repeat(1024 * 1024) });
  const eventTooLarge = await rejects(lambda.send(new InvokeCommand({ FunctionName: 'lam', InvocationType: 'Event', Payload: event })), 'RequestEntityTooLargeException');
  assert.equal(eventTooLarge.$metadata?.httpStatusCode, 413);
  assert.equal(eventTooLarge.message, `${event.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`);
});

test('bad input gets the exception AWS names', async () => {
  const missing = await rejects(lambda.send(new InvokeCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException');
  assert.equal(missing.message, 'Function not found: arn:aws:lambda:local:000000000000:function:nope:$LATEST');
  const noAlias = await rejects(lambda.send(new InvokeCommand({ FunctionName: 'lam', Qualifier: 'no-such-alias' })), 'ResourceNotFoundException');
  assert.equal(noAlias.message, 'Function not found: arn:aws:lambda:local:000000000000:function:lam:no-such-alias');
  const noVersion = await rejects(lambda.send(new InvokeCommand({ FunctionName: 'lam:99' })), 'ResourceNotFoundException');
  assert.equal(noVersion.message, 'Function not found: arn:aws:lambda:local:000000000000:function:lam:99');
  await rejects(lambda.send(new InvokeCommand({ FunctionName: 'lam', Payload: new TextEncoder().encode('{not json') })), 'InvalidRequestContentException');
  const contradiction = await rejects(lambda.send(new InvokeCommand({ FunctionName: 'lam:live', Qualifier: '2' })), 'InvalidParameterValueException');
  assert.equal(contradiction.message, 'The derived qualifier from the function name does not match the specified qualifier.');
});
