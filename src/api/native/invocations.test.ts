// Invoking through the native API with inject(): the result and the x-skyscale-*
// headers, the payload rules (empty is {}, not JSON is 400, over 6 MB is 413 and runs
// nothing), function errors, log tails, versions and aliases; records and logs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  await t.deploy('echo', undefined, { memory: 256 });
});
after(async () => { await t?.close(); });

const invoke = (name: string, event: unknown = {}, query = '', headers: Record<string, string> = {}) =>
  t.request('POST', `/v1/functions/${name}/invocations${query}`, JSON.stringify(event), { 'content-type': 'application/json', ...headers });

test('an invocation answers the result with its request id, version and start; the first is cold, the next warm', async () => {
  const first = await invoke('echo', { name: 'Ada' });
  assert.equal(first.statusCode, 200);
  assert.match(first.headers['content-type'] as string, /^application\/json/);
  assert.deepEqual(first.json(), { name: 'Ada' });
  assert.match(first.headers['x-skyscale-request-id'] as string, /^[0-9a-f-]{36}$/);
  assert.equal(first.headers['x-skyscale-executed-version'], '1');
  assert.equal(first.headers['x-skyscale-cold-start'], 'true');
  assert.equal(first.headers['x-skyscale-start'], 'boot');
  assert.equal(first.headers['x-skyscale-status'], 'success');
  assert.ok(first.headers['x-skyscale-init-ms']);
  assert.ok(first.headers['x-skyscale-duration-ms']);
  assert.equal(first.headers['x-skyscale-function-error'], undefined);
  const second = await invoke('echo', { name: 'Grace' });
  assert.equal(second.headers['x-skyscale-cold-start'], 'false');
  assert.equal(second.headers['x-skyscale-start'], 'warm');
  assert.equal(second.headers['x-skyscale-init-ms'], undefined);
  assert.notEqual(second.headers['x-skyscale-request-id'], first.headers['x-skyscale-request-id']);
});

test('an empty body is the event {}', async () => {
  const res = await t.request('POST', '/v1/functions/echo/invocations');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {});
});

test('a payload that is not JSON is refused with 400 InvalidJSON', async () => {
  const res = await t.request('POST', '/v1/functions/echo/invocations', '{not json', { 'content-type': 'application/json' });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.type, 'InvalidJSON');
});

test('a payload over 6 MB is refused with 413 and nothing runs', async () => {
  const before = t.services.recorder.recentForFunction('echo', 1000).length;
  const res = await invoke('echo', { blob: 'x'.repeat(6 * 1024 * 1024 + 10) });
  assert.equal(res.statusCode, 413);
  assert.equal(res.json().error.type, 'PayloadTooLarge');
  assert.equal(t.services.recorder.recentForFunction('echo', 1000).length, before, 'no invocation was recorded');
  assert.equal((await invoke('echo', { name: 'after' })).statusCode, 200, 'still serving');
});

test('unknown functions are 404 FunctionNotFound', async () => {
  const res = await invoke('does-not-exist');
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.type, 'FunctionNotFound');
});

test('a function error is a 200 with the error as body and x-skyscale-function-error; Tail returns the log', async () => {
  await t.deploy('failing');
  t.driver.handler = ({ functionName }) => (functionName === 'failing'
    ? { status: 'error', payload: JSON.stringify({ errorType: 'ValueError', errorMessage: 'asked to fail' }), log: 'about to fail\n' }
    : {});
  try {
    const res = await invoke('failing', {}, '', { 'x-skyscale-log-type': 'Tail' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-skyscale-function-error'], 'Unhandled');
    assert.equal(res.headers['x-skyscale-status'], 'error');
    assert.deepEqual(res.json(), { errorType: 'ValueError', errorMessage: 'asked to fail' });
    assert.equal(Buffer.from(res.headers['x-skyscale-log-result'] as string, 'base64').toString(), 'about to fail\n');
    const record = (await t.request('GET', `/v1/invocations/${res.headers['x-skyscale-request-id']}`)).json().invocation;
    assert.deepEqual([record.status, record.errorType, record.errorMessage], ['error', 'ValueError', 'asked to fail']);
  } finally {
    t.driver.handler = null;
  }
});

test('?version= runs a version by number or through an alias; $LATEST runs the newest deploy', async () => {
  await t.deploy('multi');
  await t.deploy('multi');
  await t.request('PUT', '/v1/functions/multi/aliases/live', { version: 1 });
  t.driver.handler = ({ functionVersion }) => ({ payload: JSON.stringify(functionVersion) });
  try {
    for (const [query, ran] of [['', '2'], ['?version=1', '1'], ['?version=live', '1'], ['?version=$LATEST', '2']]) {
      const res = await invoke('multi', {}, query);
      assert.equal(res.json(), ran, `version${query}`);
      assert.equal(res.headers['x-skyscale-executed-version'], ran);
    }
    assert.equal((await invoke('multi', {}, '?version=nope')).json().error.type, 'AliasNotFound');
  } finally {
    t.driver.handler = null;
  }
});

test('GET /v1/invocations/{id} has the record with its log; unknown ids are 404', async () => {
  t.driver.handler = () => ({ log: 'hello Lin\n' });
  let id: string;
  try {
    id = (await invoke('echo', { name: 'Lin' })).headers['x-skyscale-request-id'] as string;
  } finally {
    t.driver.handler = null;
  }
  const record = (await t.request('GET', `/v1/invocations/${id}`)).json().invocation;
  assert.equal(record.id, id);
  assert.equal(record.functionName, 'echo');
  assert.equal(record.status, 'success');
  assert.equal(record.log, 'hello Lin\n');
  assert.equal(typeof record.durationMs, 'number');
  const missing = await t.request('GET', '/v1/invocations/nope');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.type, 'InvocationNotFound');
});

test('logs list the newest invocations first, up to ?limit=', async () => {
  await t.deploy('logged');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await invoke('logged', { i })).headers['x-skyscale-request-id'] as string);
  const logs = (await t.request('GET', '/v1/functions/logged/logs?limit=2')).json().invocations;
  assert.deepEqual(logs.map((l: { id: string }) => l.id), [ids[2], ids[1]]);
  assert.deepEqual(Object.keys(logs[0]).sort(), ['cold', 'durationMs', 'id', 'log', 'startedAt', 'status', 'version']);
  assert.equal((await t.request('GET', '/v1/functions/logged/logs')).json().invocations.length, 3);
  assert.equal((await t.request('GET', '/v1/functions/nope/logs')).statusCode, 404);
});

test('a deleted function is gone, and a new one of the same name starts with no logs', async () => {
  await t.deploy('doomed');
  assert.equal((await invoke('doomed')).statusCode, 200);
  assert.equal((await t.request('DELETE', '/v1/functions/doomed')).statusCode, 204);
  assert.equal((await invoke('doomed')).statusCode, 404);
  await t.deploy('doomed');
  assert.deepEqual((await t.request('GET', '/v1/functions/doomed/logs')).json().invocations, []);
});
