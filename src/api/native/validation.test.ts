// The native API's route schemas: a request that does not fit is a 400 ValidationError
// naming every wrong field, before the route runs (nothing is written); after the key
// is checked (an unauthenticated caller learns nothing about the body).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  await t.deploy('fn');
});
after(async () => { await t?.close(); });

async function refused(method: string, url: string, body: unknown, problems: string[]): Promise<void> {
  const res = await t.request(method, url, typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json' });
  assert.equal(res.statusCode, 400, `${method} ${url}: ${res.body}`);
  assert.equal(res.headers['x-skyscale-error-type'], 'ValidationError');
  assert.equal(res.json().error.type, 'ValidationError');
  assert.deepEqual(res.json().error.details.problems, problems);
  assert.equal(res.json().error.message, problems.join('; '));
}

test('settings of the wrong JSON type are refused naming each field, and nothing is written', async () => {
  await refused('PUT', '/v1/functions/typed', { memory: '256', timeout: 3.5, env: { A: 1 }, minWarm: 'two' }, [
    'memory must be an integer', 'timeout must be an integer', 'env.A must be a string or {"secret": …}', 'minWarm must be an integer',
  ]);
  assert.equal((await t.request('GET', '/v1/functions/typed')).statusCode, 404, 'the function was not created');
  await refused('POST', '/v1/functions', { name: 7 }, ['name must be a string']);
  await refused('POST', '/v1/functions', { runtime: 'python3.12' }, ['name is required']);
  await refused('POST', '/v1/functions', [1, 2], ['the request body must be a JSON object']);
});

test('alias, rollback and logs requests are checked too', async () => {
  await refused('PUT', '/v1/functions/fn/aliases/live', { description: 'no version' }, ['version is required']);
  await refused('PUT', '/v1/functions/fn/aliases/live', { version: '1' }, ['version must be an integer']);
  await refused('POST', '/v1/functions/fn/rollback', { alias: 3 }, ['alias must be a string']);
  for (const [limit, problem] of [['0', 'limit must be at least 1'], ['1001', 'limit must be at most 1000'], ['many', 'limit must be an integer']]) {
    const res = await t.request('GET', `/v1/functions/fn/logs?limit=${limit}`);
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().error.details.problems, [problem]);
  }
  assert.equal((await t.request('GET', '/v1/functions/fn/logs?limit=5')).statusCode, 200);
});

test('a settings body that is not JSON is 400 InvalidJSON; an empty one is {}', async () => {
  const res = await t.request('PUT', '/v1/functions/fn', '{"memory": ', { 'content-type': 'application/json' });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.type, 'InvalidJSON');
  assert.equal((await t.request('PUT', '/v1/functions/fn')).statusCode, 200);
  assert.equal((await t.request('POST', '/v1/functions/fn/rollback', '', { 'content-type': 'application/json' })).json().error.type, 'ValidationError',
    'no earlier version to roll back to: the empty body reached the route as {}');
});

test('the key is checked before the body', async () => {
  const res = await t.app.inject({ method: 'PUT', url: '/v1/functions/fn', headers: { 'content-type': 'application/json' }, payload: '{"memory": "x"}' });
  assert.equal(res.statusCode, 401);
});
