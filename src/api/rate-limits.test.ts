// Per-caller limits through the API: a key over its requests per second gets 429 with
// Retry-After (RateLimitExceeded natively, TooManyRequestsException with Reason on the
// Lambda API), a key over its invocations at once too, a public function URL limits
// each client address on its own, and a body that can only be checked after it is read
// must fit the node's budget for such bodies before any of it is.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from '../../test/fakes/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ SKYSCALE_KEY_RATE: '1000', SKYSCALE_KEY_CONCURRENCY: '1', SKYSCALE_URL_RATE: '1', SKYSCALE_URL_BURST: '2', SKYSCALE_UNVERIFIED_BODY_MB: '1' });
  await t.deploy('fx');
  await t.request('POST', '/2021-10-31/functions/fx/url', { AuthType: 'NONE' });
});
after(async () => { await t?.close(); });

test('a key over its requests per second: 429 with Retry-After on the native and Lambda APIs; other keys go on', async () => {
  const slow = await startTestApp({ SKYSCALE_KEY_RATE: '1', SKYSCALE_KEY_BURST: '2' });
  try {
    const other = slow.services.keys.create({ role: 'viewer' }).secret;
    assert.equal((await slow.request('GET', '/v1/functions')).statusCode, 200);
    assert.equal((await slow.request('GET', '/v1/functions')).statusCode, 200);
    const native = await slow.request('GET', '/v1/functions');
    assert.equal(native.statusCode, 429);
    assert.equal(native.json().error.type, 'RateLimitExceeded');
    assert.equal(native.headers['retry-after'], '1');
    const lambda = await slow.request('GET', '/2015-03-31/functions/');
    assert.equal(lambda.statusCode, 429);
    assert.equal(lambda.headers['x-amzn-errortype'], 'TooManyRequestsException');
    assert.equal(lambda.json().Reason, 'CallerRateLimitExceeded');
    assert.ok(Number(lambda.headers['retry-after']) >= 1);
    assert.equal((await slow.app.inject({ method: 'GET', url: '/v1/functions', headers: { authorization: `Bearer ${other}` } })).statusCode, 200);
  } finally {
    await slow.close();
  }
});

test('a key over its invocations at once: 429 before the body is read; the slot comes back when the call ends', async () => {
  const invoker = t.services.invoker;
  const original = invoker.invoke.bind(invoker);
  let release!: () => void;
  const held = new Promise<void>((r) => { release = r; });
  invoker.invoke = async (...args) => {
    await held;
    return original(...args);
  };
  try {
    const first = t.request('POST', '/v1/functions/fx/invocations', {});
    await eventually(() => t.services.limits.inFlight().invocations[ADMIN_KEY.split('.')[0]!] === 1, 'the first invocation holding its slot');
    const second = await t.request('POST', '/2015-03-31/functions/fx/invocations', {});
    assert.equal(second.statusCode, 429);
    assert.equal(second.json().Reason, 'ConcurrentInvocationLimitExceeded');
    assert.equal((await t.request('GET', '/v1/functions/fx')).statusCode, 200, 'other requests of the key go on');
    const other = t.services.keys.create({ role: 'invoker' }).secret;
    invoker.invoke = original;
    assert.equal((await t.app.inject({ method: 'POST', url: '/v1/functions/fx/invocations', headers: { authorization: `Bearer ${other}` } })).statusCode, 200, 'another key is not held up');
    release();
    assert.equal((await first).statusCode, 200);
    assert.equal((await t.request('POST', '/v1/functions/fx/invocations', {})).statusCode, 200, 'the slot was given back');
    assert.deepEqual(t.services.limits.inFlight().invocations, {});
  } finally {
    invoker.invoke = original;
    release();
  }
});

test('a public function URL limits each client address on its own', async () => {
  const from = (remoteAddress: string) => t.app.inject({ method: 'GET', url: '/fn/fx/', remoteAddress });
  assert.equal((await from('10.0.0.1')).statusCode, 200);
  assert.equal((await from('10.0.0.1')).statusCode, 200);
  const third = await from('10.0.0.1');
  assert.equal(third.statusCode, 429);
  assert.equal(third.headers['x-amzn-errortype'], 'TooManyRequestsException');
  assert.ok(Number(third.headers['retry-after']) >= 1);
  assert.equal((await from('10.0.0.2')).statusCode, 200);
});

test('a SigV4 request whose signature needs its body must fit the budget for such bodies before any of it is read', async () => {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const headers = {
    'x-amz-date': amzDate, 'content-type': 'application/json',
    authorization: `AWS4-HMAC-SHA256 Credential=${ADMIN_KEY.split('.')[0]}/${amzDate.slice(0, 8)}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  };
  const big = await t.app.inject({ method: 'POST', url: '/2015-03-31/functions/fx/invocations', headers, payload: Buffer.alloc(2 * 1024 * 1024, 0x20) });
  assert.equal(big.statusCode, 429, 'over the 1 MB budget: refused from its Content-Length');
  const small = await t.app.inject({ method: 'POST', url: '/2015-03-31/functions/fx/invocations', headers, payload: '{}' });
  assert.equal(small.statusCode, 403, 'within it: read, then refused for its signature');
  assert.equal(small.headers['x-amzn-errortype'], 'InvalidSignatureException');
  assert.equal(t.services.limits.inFlight().unverifiedBodyBytes, 0, 'every reservation was given back');
});
