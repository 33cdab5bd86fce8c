// The native surface as a whole through inject(): what needs no key (/healthz, the
// OpenAPI document), what needs one, the error shape, unknown routes, and the pool.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { repoPath } from '../../paths.js';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';

let t: TestApp;
before(async () => { t = await startTestApp({ SKYSCALE_WARM_POOL_SIZE: '1' }); });
after(async () => { await t?.close(); });

test('/healthz answers without a key with status, version and driver name only: no host paths', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/healthz' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(Object.keys(res.json()).sort(), ['driver', 'status', 'version']);
  assert.equal(res.json().status, 'ok');
  assert.equal(res.json().driver, 'process');
  assert.ok(!res.body.includes(t.dataDir) && !res.body.includes(repoPath()), res.body);
});

test('/v1/openapi.yaml is the contract, served without a key', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/v1/openapi.yaml' });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^application\/yaml/);
  assert.equal(res.body, readFileSync(repoPath('contracts/openapi.yaml'), 'utf8'));
});

test('/v1 routes need a valid key: none, a wrong one and a malformed one are 401 Unauthorized', async () => {
  for (const authorization of [undefined, 'Bearer nope.wrongwrongwrongwrong', 'Basic abc']) {
    const res = await t.app.inject({ method: 'GET', url: '/v1/functions', headers: authorization ? { authorization } : {} });
    assert.equal(res.statusCode, 401, String(authorization));
    assert.equal(res.headers['x-skyscale-error-type'], 'Unauthorized');
    assert.equal(res.json().error.type, 'Unauthorized');
    assert.equal(typeof res.json().error.message, 'string');
  }
  assert.equal((await t.request('GET', '/v1/functions')).statusCode, 200);
});

test('an unknown route is a 404 RouteNotFound pointing at the API description', async () => {
  const res = await t.request('GET', '/v2/things');
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.type, 'RouteNotFound');
  assert.match(res.json().error.hint, /openapi\.yaml/);
});

test('/v1/pool reports admission, the pre-warmed sandboxes and the warm instances', async () => {
  await t.deploy('pooled');
  await t.request('POST', '/v1/functions/pooled/invocations');
  const pool = (await t.request('GET', '/v1/pool')).json();
  assert.deepEqual(pool.sandbox, { driver: 'fake' });
  assert.deepEqual(Object.keys(pool.admission).sort(), ['inFlight', 'nodeLimit', 'queued']);
  assert.ok(Array.isArray(pool.generic));
  const instance = pool.instances.find((i: { function: string }) => i.function === 'pooled');
  assert.ok(instance, 'the instance that served the call is listed');
  assert.equal(instance.state, 'idle');
  assert.equal(instance.invocations, 1);
});

test('/v1/images lists the driver\'s sandbox images, none for a driver without any, and needs a key', async () => {
  const res = await t.request('GET', '/v1/images');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { driver: (await t.request('GET', '/healthz')).json().driver, images: [] });
  assert.equal((await t.request('GET', '/v1/images', undefined, { authorization: '' })).statusCode, 401);
});
