// Destinations and dead letters through the native API with inject(), on the fake
// driver with retries milliseconds apart: the record an on-success function
// destination receives (Lambda's shape, field for field), a destination that does not
// exist refused when configured, a failure with no destination dead-lettered and then
// listed, shown, redriven (the fixed function succeeds) and purged, a destination
// function deleted later and a webhook the egress policy refuses both dead-lettered
// with the reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import type { AsyncInvocationWire } from './views.js';

let t: TestApp;
/** what each sink function received */
const received = new Map<string, unknown[]>();
/** functions that fail every attempt until fixed */
const broken = new Set<string>(['failing']);

before(async () => {
  t = await startTestApp({ SKYSCALE_ASYNC_RETRY_BASE_MS: '10' });
  for (const name of ['source', 'sink', 'failing', 'gone-sink', 'hooked']) await t.deploy(name);
  t.driver.handler = ({ functionName, event }) => {
    if (functionName.endsWith('sink')) received.set(functionName, [...(received.get(functionName) ?? []), JSON.parse(event.toString())]);
    if (broken.has(functionName)) return { status: 'error', payload: JSON.stringify({ errorType: 'Broken', errorMessage: 'not fixed yet' }) };
    return functionName === 'source' ? { payload: JSON.stringify({ answer: 42 }) } : {};
  };
});
after(async () => { await t?.close(); });

const json = { 'content-type': 'application/json' };
const put = (name: string, async: Record<string, unknown>) => t.request('PUT', `/v1/functions/${name}`, JSON.stringify({ async }), json);
const accept = async (name: string, event: unknown) => {
  const res = await t.request('POST', `/v1/functions/${name}/invocations?async=true`, JSON.stringify(event), json);
  assert.equal(res.statusCode, 202);
  return res.json().requestId as string;
};
const show = async (id: string) => (await t.request('GET', `/v1/invocations/${id}`)).json().async as AsyncInvocationWire;
const deadLetters = async (name: string) => (await t.request('GET', `/v1/functions/${name}/dead-letters`)).json() as { deadLetters: Record<string, unknown>[]; total: number };

test('an on-success function destination receives Lambda\'s destination record as an asynchronous invocation of its own', async () => {
  assert.equal((await put('source', { onSuccess: 'sink' })).statusCode, 200);
  const id = await accept('source', { order: 7 });
  const [record] = await eventually(() => received.get('sink'), 'the sink to receive the record') as Record<string, unknown>[];
  assert.deepEqual(Object.keys(record!), ['version', 'timestamp', 'requestContext', 'requestPayload', 'responseContext', 'responsePayload']);
  assert.equal(record!.version, '1.0');
  assert.match(record!.timestamp as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(record!.requestContext, { requestId: id, functionArn: 'arn:aws:lambda:local:000000000000:function:source:$LATEST', condition: 'Success', approximateInvokeCount: 1 });
  assert.deepEqual(record!.requestPayload, { order: 7 });
  assert.deepEqual(record!.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
  assert.deepEqual(record!.responsePayload, { answer: 42 });
  const a = await eventually(async () => { const v = await show(id); return v.deliveries?.[0]?.state === 'delivered' ? v : null; }, 'the delivery to be recorded');
  assert.deepEqual(a.deliveries!.map((d) => [d.condition, d.destination, d.attempts]), [['Success', 'sink', 1]]);
});

test('a destination that does not exist is refused when configured (400), on the native and the Lambda API', async () => {
  const res = await put('source', { onFailure: 'no-such-function' });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.type, 'InvalidFunctionConfig');
  assert.match(res.json().error.message, /the destination function no-such-function does not exist/);
  const lambda = await t.request('PUT', '/2019-09-25/functions/source/event-invoke-config', JSON.stringify({
    DestinationConfig: { OnSuccess: { Destination: 'arn:aws:lambda:local:000000000000:function:nowhere' } },
  }), json);
  assert.equal(lambda.statusCode, 400);
  assert.equal(lambda.headers['x-amzn-errortype'], 'InvalidParameterValueException');
  const sqs = await put('source', { onFailure: 'arn:aws:sqs:us-east-1:000000000000:q' });
  assert.equal(sqs.statusCode, 400);
  assert.match(sqs.json().error.message, /only function ARNs and http\(s\):\/\/ URLs/);
});

test('a failure with no on-failure destination is dead-lettered: listed, shown, redriven once the function is fixed, and purged', async () => {
  assert.equal((await put('failing', { maxRetryAttempts: 1 })).statusCode, 200);
  const first = await accept('failing', { n: 1 });
  const second = await accept('failing', { n: 2 });
  const listed = await eventually(async () => { const l = await deadLetters('failing'); return l.total === 2 ? l : null; }, 'two dead letters');
  assert.deepEqual(listed.deadLetters.map((d) => [d.requestId, d.condition, d.destination]).sort(), [[first, 'RetriesExhausted', null], [second, 'RetriesExhausted', null]].sort());
  assert.match(listed.deadLetters[0]!.reason as string, /^RetriesExhausted: 2 attempts failed; the last: Broken: not fixed yet/);
  const one = listed.deadLetters.find((d) => d.requestId === first)!;
  const shown = (await t.request('GET', `/v1/functions/failing/dead-letters/${one.id as string}`)).json().deadLetter;
  assert.equal(shown.payload, '{"n":1}');
  assert.deepEqual(shown.record.requestContext, { requestId: first, functionArn: 'arn:aws:lambda:local:000000000000:function:failing:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 2 });
  assert.deepEqual(shown.record.responseContext, { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
  assert.deepEqual(shown.record.responsePayload, { errorType: 'Broken', errorMessage: 'not fixed yet' });
  assert.equal((await t.request('GET', '/v1/functions/failing/dead-letters/nosuch')).json().error.type, 'DeadLetterNotFound');

  broken.delete('failing');
  const redrive = await t.request('POST', '/v1/functions/failing/dead-letters/redrive', JSON.stringify({ ids: [one.id] }), json);
  assert.equal(redrive.statusCode, 200);
  const [result] = redrive.json().results as { id: string; requestId: string }[];
  assert.equal(result!.id, one.id);
  assert.notEqual(result!.requestId, first, 'a new event, with a new request id');
  const again = await eventually(async () => { const v = await show(result!.requestId); return v.state === 'succeeded' ? v : null; }, 'the redriven event to succeed');
  assert.equal(again.payloadBytes, Buffer.byteLength('{"n":1}'));
  assert.equal((await deadLetters('failing')).total, 1, 'the redriven dead letter is gone');

  assert.equal((await t.request('DELETE', '/v1/functions/failing/dead-letters')).statusCode, 400, 'purge names ids or all');
  const purged = await t.request('DELETE', '/v1/functions/failing/dead-letters?all=true');
  assert.deepEqual(purged.json(), { purged: 1 });
  assert.equal((await deadLetters('failing')).total, 0);
});

test('a destination function deleted after it was configured, and a webhook to a loopback address, are dead-lettered with the reason', async () => {
  assert.equal((await put('hooked', { onSuccess: 'gone-sink', onFailure: 'http://127.0.0.1:9/hook' })).statusCode, 200);
  assert.equal((await t.request('DELETE', '/v1/functions/gone-sink')).statusCode, 204);
  const ok = await accept('hooked', { k: 1 });
  const dl = await eventually(async () => (await deadLetters('hooked')).deadLetters.find((d) => d.requestId === ok), 'the delivery to be dead-lettered');
  assert.equal(dl.condition, 'Success');
  assert.equal(dl.destination, 'gone-sink');
  assert.match(dl.reason as string, /^the destination function gone-sink does not exist any more/);
  assert.equal(received.get('gone-sink'), undefined);

  broken.add('hooked');
  assert.equal((await put('hooked', { maxRetryAttempts: 0 })).statusCode, 200);
  const bad = await accept('hooked', { k: 2 });
  const refused = await eventually(async () => (await deadLetters('hooked')).deadLetters.find((d) => d.requestId === bad), 'the webhook delivery to be dead-lettered');
  assert.equal(refused.condition, 'RetriesExhausted');
  assert.equal(refused.destination, 'http://127.0.0.1:9/hook');
  assert.match(refused.reason as string, /^refused by the egress policy: 127\.0\.0\.1: 127\.0\.0\.1 is in 127\.0\.0\.0\/8 \(loopback\)/);
  const a = await show(bad);
  assert.deepEqual(a.deliveries!.map((d) => [d.state, d.attempts]), [['dead', 1]], 'a refused address is not retried');
});

test('a function cannot be its own destination, and dead letters past their retention are deleted', async () => {
  const self = await put('source', { onSuccess: 'source' });
  assert.equal(self.statusCode, 400);
  assert.match(self.json().error.message, /a function cannot be its own destination/);
  broken.add('failing');
  const id = await accept('failing', { old: true });
  await eventually(async () => (await deadLetters('failing')).deadLetters.some((d) => d.requestId === id), 'a dead letter');
  assert.equal(t.services.asyncInvocations.pruneDeadLetters(new Date(Date.now() - 86_400_000).toISOString()), 0, 'a fresh one is kept');
  assert.ok(t.services.asyncInvocations.pruneDeadLetters(new Date(Date.now() + 1000).toISOString()) >= 1);
  assert.equal((await deadLetters('failing')).total, 0);
});
