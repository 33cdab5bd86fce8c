// Asynchronous invocations through the native API with inject(), on the fake driver and
// retries milliseconds apart: the 202 and its id, the state and attempts that
// GET /v1/invocations/{id} shows, retries of function errors up to the function's
// maximum, age expiry, throttled events retried later, and the bad input refused at
// accept time (a payload over 1 MB, a function that does not exist).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { eventually, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { openDatabase } from '../../store/database.js';
import type { AsyncInvocationWire } from './views.js';

let t: TestApp;
/** the attempts each request id has seen, for handlers that fail the first N */
const seen = new Map<string, number>();
before(async () => {
  t = await startTestApp({ SKYSCALE_ASYNC_RETRY_BASE_MS: '20' });
  await t.deploy('echo');
  await t.deploy('flaky');
  t.driver.handler = ({ functionName, requestId, event }) => {
    const n = (seen.get(requestId) ?? 0) + 1;
    seen.set(requestId, n);
    const failFirst = functionName === 'flaky' ? (JSON.parse(event.toString() || '{}') as { failFirst?: number }).failFirst ?? 0 : 0;
    return n <= failFirst ? { status: 'error', payload: JSON.stringify({ errorType: 'Flaky', errorMessage: `attempt ${n} fails` }) } : {};
  };
});
after(async () => { await t?.close(); });

const accept = (name: string, event: unknown = {}, query = '') =>
  t.request('POST', `/v1/functions/${name}/invocations?async=true${query}`, JSON.stringify(event), { 'content-type': 'application/json' });
const show = async (id: string) => (await t.request('GET', `/v1/invocations/${id}`)).json().async as AsyncInvocationWire;
const finished = (id: string) => eventually(async () => {
  const a = await show(id);
  return ['succeeded', 'failed', 'expired'].includes(a.state) ? a : null;
}, `invocation ${id} to finish`);

test('an async invoke answers 202 with the request id once queued; the event runs under that id and GET shows it succeeded with its attempt', async () => {
  const res = await accept('echo', { hello: 'queue' });
  assert.equal(res.statusCode, 202);
  const id = res.headers['x-skyscale-request-id'] as string;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.deepEqual(res.json(), { requestId: id, state: 'queued' });
  const a = await finished(id);
  assert.equal(a.state, 'succeeded');
  assert.equal(a.function, 'echo');
  assert.equal(a.payloadBytes, Buffer.byteLength('{"hello":"queue"}'));
  assert.equal(a.attempts.length, 1);
  assert.deepEqual([a.attempts[0]!.attempt, a.attempts[0]!.outcome, a.attempts[0]!.recordId], [1, 'success', `${id}.1`]);
  assert.equal(seen.get(id), 1, 'the function saw the request id of the 202');
  const record = await eventually(async () => {
    const r = await t.request('GET', `/v1/invocations/${id}.1`);
    return r.statusCode === 200 ? r.json().invocation : null;
  }, 'the attempt record');
  assert.equal(record.status, 'success');
});

test('a function error is retried up to maxRetryAttempts, each attempt recorded, and then the event fails saying why', async () => {
  const ok = await accept('flaky', { failFirst: 2 });
  const okA = await finished(ok.json().requestId);
  assert.equal(okA.state, 'succeeded');
  assert.deepEqual(okA.attempts.map((x) => [x.outcome, x.errorType]), [['error', 'Flaky'], ['error', 'Flaky'], ['success', null]]);

  const put = await t.request('PUT', '/v1/functions/flaky', { async: { maxRetryAttempts: 1 } });
  assert.equal(put.statusCode, 200);
  assert.deepEqual(put.json().async, { maxRetryAttempts: 1, maxEventAgeSeconds: 21600 });
  const failing = await accept('flaky', { failFirst: 5 });
  const a = await finished(failing.json().requestId);
  assert.equal(a.state, 'failed');
  assert.equal(a.attempts.length, 2, 'the first attempt and one retry');
  assert.match(a.reason!, /^RetriesExhausted: 2 attempts failed; the last: Flaky: attempt 2 fails/);
  assert.equal(seen.get(a.id), 2, 'never run again');
});

test('retry and age settings are checked: out of range is 400 with every problem named', async () => {
  const res = await t.request('PUT', '/v1/functions/flaky', { async: { maxRetryAttempts: 3, maxEventAgeSeconds: 10 } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.type, 'InvalidFunctionConfig');
  assert.deepEqual(res.json().error.details.problems, [
    'async.maxRetryAttempts must be a whole number from 0 to 2 (got 3)', 'async.maxEventAgeSeconds must be a whole number from 60 to 21600 (got 10)']);
  assert.deepEqual((await t.request('GET', '/v1/functions/flaky')).json().async, { maxRetryAttempts: 1, maxEventAgeSeconds: 21600 }, 'unchanged');
});

test('a throttled event (reserved concurrency 0) waits and is retried, using up no retry, and runs once the function may run', async () => {
  await t.deploy('held');
  t.services.registry.setReservedConcurrency('held', 0);
  const id = (await accept('held', { n: 1 })).json().requestId as string;
  const throttled = await eventually(async () => {
    const a = await show(id);
    return a.attempts.filter((x) => x.outcome === 'throttled').length >= 3 ? a : null;
  }, 'three throttled attempts');
  assert.equal(throttled.state === 'retrying' || throttled.state === 'running', true);
  t.services.registry.setReservedConcurrency('held', null);
  const a = await finished(id);
  assert.equal(a.state, 'succeeded');
  assert.equal(a.attempts.at(-1)!.outcome, 'success');
  assert.ok(a.attempts.slice(0, -1).every((x) => x.outcome === 'throttled' && x.errorType === 'TooManyRequests'));
});

test('an event older than its maximum age is dropped unrun, with the reason recorded', async () => {
  await t.deploy('stale');
  t.services.registry.setReservedConcurrency('stale', 0);
  t.services.asyncInvocations.configs.put('stale', undefined, { maxEventAgeSeconds: 60 }, false);
  const id = (await accept('stale')).json().requestId as string;
  await eventually(async () => (await show(id)).attempts.length >= 1, 'a throttled attempt');
  // its acceptance moved back past the age, as if it had waited an hour
  const db = openDatabase(join(t.dataDir, 'skyscale.db'));
  try {
    db.prepare('UPDATE async_events SET accepted_at = ? WHERE id = ?').run(new Date(Date.now() - 3_600_000).toISOString(), id);
  } finally {
    db.close();
  }
  const a = await finished(id);
  assert.equal(a.state, 'expired');
  assert.match(a.reason!, /^EventAgeExceeded: /);
  assert.equal(seen.get(id), undefined, 'it never ran');
});

test('an event over 1 MB is refused with 413 before it is queued; an unknown function is 404 at accept time', async () => {
  const total = () => Object.values(t.services.asyncInvocations.counts()).reduce((a, b) => a + b, 0);
  const queued = total();
  const big = await accept('echo', { blob: 'x'.repeat(1024 * 1024) });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error.type, 'EventPayloadTooLarge');
  const missing = await accept('nope');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.type, 'FunctionNotFound');
  const missingVersion = await accept('echo', {}, '&version=42');
  assert.equal(missingVersion.statusCode, 404);
  assert.equal(total(), queued, 'none of them was queued');
});

test('GET /v1/invocations/{id} of an id nobody accepted is 404', async () => {
  const res = await t.request('GET', '/v1/invocations/00000000-0000-0000-0000-000000000000');
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.type, 'InvocationNotFound');
});

test('a deploy\'s settings (skyscale.json) carry "async": the function takes it with the new version', async () => {
  await t.deploy('configured', undefined, { async: { maxRetryAttempts: 0, maxEventAgeSeconds: 900 } });
  assert.deepEqual((await t.request('GET', '/v1/functions/configured')).json().async, { maxRetryAttempts: 0, maxEventAgeSeconds: 900 });
  await assert.rejects(t.deploy('configured', undefined, { async: { maxEventAgeSeconds: 30 } }), /400 .*async.maxEventAgeSeconds must be a whole number from 60 to 21600 \(got 30\)/);
  assert.deepEqual((await t.request('GET', '/v1/functions/configured')).json().async, { maxRetryAttempts: 0, maxEventAgeSeconds: 900 }, 'a refused deploy changes nothing');
});

test('/v1/pool and skyscale pool count the asynchronous invocations per state', async () => {
  const counts = (await t.request('GET', '/v1/pool')).json().async as Record<string, number>;
  assert.deepEqual(counts, t.services.asyncInvocations.counts());
  assert.ok((counts.succeeded ?? 0) >= 3 && (counts.failed ?? 0) >= 1 && (counts.expired ?? 0) >= 1, JSON.stringify(counts));
});
