// /v1/functions/{name}/aliases through inject(): set, move, read, list, delete, and
// what an alias that cannot be is refused with.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  await t.deploy('fn');
  await t.deploy('fn');
});
after(async () => { await t?.close(); });

test('an alias is set, moved, read, listed and deleted', async () => {
  const set = await t.request('PUT', '/v1/functions/fn/aliases/live', { version: 1, description: 'prod' });
  assert.equal(set.statusCode, 200);
  assert.deepEqual({ ...set.json().alias, createdAt: 0, updatedAt: 0 }, { function: 'fn', name: 'live', version: 1, description: 'prod', createdAt: 0, updatedAt: 0 });
  assert.equal((await t.request('PUT', '/v1/functions/fn/aliases/live', { version: 2 })).json().alias.description, 'prod', 'a move keeps the description');
  assert.equal((await t.request('GET', '/v1/functions/fn/aliases/live')).json().alias.version, 2);
  assert.deepEqual((await t.request('GET', '/v1/functions/fn/aliases')).json().aliases.map((a: { name: string }) => a.name), ['live']);
  assert.deepEqual((await t.request('GET', '/v1/functions/fn')).json().aliases.map((a: { name: string }) => a.name), ['live']);
  assert.equal((await t.request('DELETE', '/v1/functions/fn/aliases/live')).statusCode, 204);
  const gone = await t.request('GET', '/v1/functions/fn/aliases/live');
  assert.equal(gone.statusCode, 404);
  assert.equal(gone.json().error.type, 'AliasNotFound');
  assert.equal((await t.request('DELETE', '/v1/functions/fn/aliases/live')).statusCode, 404, 'the native API says when there was nothing to delete');
});

test('an alias of a version that does not exist, or with a name that reads as a version, is refused', async () => {
  const missing = await t.request('PUT', '/v1/functions/fn/aliases/next', { version: 99 });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.type, 'FunctionNotFound');
  const numeric = await t.request('PUT', '/v1/functions/fn/aliases/123', { version: 1 });
  assert.equal(numeric.statusCode, 400);
  assert.match(numeric.json().error.message, /not only digits/);
  assert.equal((await t.request('GET', '/v1/functions/nope/aliases')).statusCode, 404);
});
