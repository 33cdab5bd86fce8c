// Deploy and invoke real functions in real sandboxes through the native API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './harness.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s?.stop(); });

const HELLO = `
import os

def handler(event, context):
    print("hello", event.get("name"))
    return {
        "message": "Hello, " + event.get("name", "world") + "!",
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "request_id": context.aws_request_id,
        "alias": context.request_id,
        "arn": context.invoked_function_arn,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "greeting": os.environ.get("GREETING"),
    }
`;

test('/healthz names the sandbox driver in use and no host path; /v1/pool (with a key) has the details', async () => {
  const res = await s.api('GET', '/healthz', undefined, { authorization: '' });
  assert.equal(res.status, 200);
  assert.equal(res.json().status, 'ok');
  assert.equal(res.json().driver, s.driver.name);
  assert.doesNotMatch(res.body.toString(), /\//, 'no path of any kind');
  const pool = await s.api('GET', '/v1/pool');
  assert.equal(pool.json().sandbox.driver, s.driver.name);
  assert.equal((await s.api('GET', '/v1/pool', undefined, { authorization: '' })).status, 401);
});

test('a deployed function returns its result; the first call is cold, the next warm', async () => {
  await s.deploy('hello', { 'handler.py': HELLO }, { memory: 256, timeout: 5, env: { GREETING: 'hi' } });
  const first = await s.invoke('hello', { name: 'Ada' });
  assert.equal(first.status, 200);
  const out = first.json();
  assert.equal(out.message, 'Hello, Ada!');
  assert.equal(out.function_name, 'hello');
  assert.equal(out.function_version, '1');
  assert.equal(out.memory_limit_in_mb, 256);
  assert.equal(out.greeting, 'hi');
  assert.equal(out.request_id, first.headers.get('x-skyscale-request-id'));
  assert.equal(out.alias, out.request_id);
  assert.match(out.arn, /:function:hello$/);
  assert.ok(out.remaining_ms > 0 && out.remaining_ms <= 5000);
  assert.equal(first.headers.get('x-skyscale-cold-start'), 'true');
  assert.equal(first.headers.get('x-skyscale-function-error'), null);

  const second = await s.invoke('hello', { name: 'Grace' });
  assert.equal(second.json().message, 'Hello, Grace!');
  assert.equal(second.headers.get('x-skyscale-cold-start'), 'false');
  assert.notEqual(second.json().request_id, out.request_id);
});

test('logs hold what the handler printed, per invocation', async () => {
  const res = await s.invoke('hello', { name: 'Lin' });
  const id = res.headers.get('x-skyscale-request-id')!;
  const record = (await s.api('GET', `/v1/invocations/${id}`)).json().invocation;
  assert.equal(record.status, 'success');
  assert.equal(record.log, 'hello Lin\n');
  assert.equal(record.functionName, 'hello');
  assert.equal(typeof record.durationMs, 'number');
  const logs = (await s.api('GET', '/v1/functions/hello/logs?limit=2')).json().invocations;
  assert.equal(logs[0].id, id, 'newest first');
  assert.equal(logs.length, 2);
});

test('an empty body is the event {}', async () => {
  const res = await s.api('POST', '/v1/functions/hello/invocations');
  assert.equal(res.status, 200);
  assert.equal(res.json().message, 'Hello, world!');
});

test('a new version runs new code at once; an older one is still reachable by number', async () => {
  await s.deploy('versioned', { 'handler.py': 'def handler(e, c):\n    return "v1"\n' });
  assert.equal((await s.invoke('versioned')).json(), 'v1');
  const v2 = await s.deploy('versioned', { 'handler.py': 'def handler(e, c):\n    return "v2"\n' });
  assert.equal(v2, 2);
  for (let i = 0; i < 3; i++) assert.equal((await s.invoke('versioned')).json(), 'v2');
  const old = await s.invoke('versioned', {}, '?version=1');
  assert.equal(old.json(), 'v1');
  assert.equal(old.headers.get('x-skyscale-executed-version'), '1');
});

test('handlers taking fewer parameters, like the scaffold of the seeds, are called with what they take', async () => {
  await s.deploy('noargs', { 'handler.py': 'def handler():\n    print("hello fire")\n' });
  const res = await s.invoke('noargs');
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'null');
  const logs = (await s.api('GET', '/v1/functions/noargs/logs')).json().invocations;
  assert.equal(logs[0].log, 'hello fire\n');
});

test('unknown functions are 404 FunctionNotFound; a wrong key is 401', async () => {
  const res = await s.invoke('does-not-exist');
  assert.equal(res.status, 404);
  assert.equal(res.json().error.type, 'FunctionNotFound');
  const noKey = await s.api('GET', '/v1/functions', undefined, { authorization: 'Bearer nope.wrongwrongwrongwrong' });
  assert.equal(noKey.status, 401);
  assert.equal(noKey.json().error.type, 'Unauthorized');
});

test('a payload over 6 MB is refused with 413 and nothing runs', async () => {
  const big = JSON.stringify({ blob: 'x'.repeat(6 * 1024 * 1024 + 10) });
  const res = await s.api('POST', '/v1/functions/hello/invocations', big, { 'content-type': 'application/json' });
  assert.equal(res.status, 413);
  assert.equal(res.json().error.type, 'PayloadTooLarge');
  assert.equal((await s.invoke('hello', { name: 'after' })).status, 200, 'still serving');
});

test('a payload that is not JSON is refused with 400 InvalidJSON', async () => {
  const res = await s.api('POST', '/v1/functions/hello/invocations', '{not json', { 'content-type': 'application/json' });
  assert.equal(res.status, 400);
  assert.equal(res.json().error.type, 'InvalidJSON');
});

test('deleting a function removes it', async () => {
  await s.deploy('doomed', { 'handler.py': 'def handler(e, c):\n    return 1\n' });
  assert.equal((await s.invoke('doomed')).status, 200);
  assert.equal((await s.api('DELETE', '/v1/functions/doomed')).status, 204);
  assert.equal((await s.invoke('doomed')).status, 404);
  assert.equal((await s.api('GET', '/v1/functions')).json().functions.some((f: { name: string }) => f.name === 'doomed'), false);
  await s.deploy('doomed', { 'handler.py': 'def handler(e, c):\n    return 2\n' });
  assert.deepEqual((await s.api('GET', '/v1/functions/doomed/logs')).json().invocations, [], 'a new function of the same name starts with no logs');
});
