import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkyscaleError } from '../errors.js';
import { RateLimits, type RateLimitSettings } from './rate-limits.js';

const SETTINGS: RateLimitSettings = { keyRequestsPerSecond: 2, keyBurst: 4, keyConcurrentInvocations: 2, urlRequestsPerSecond: 1, urlBurst: 1, unverifiedBodyBytes: 100 };

function refusal(fn: () => unknown): { retryAfterSeconds: number; reason: string } | null {
  try {
    fn();
    return null;
  } catch (e) {
    assert.ok(e instanceof SkyscaleError && e.type === 'RateLimitExceeded', String(e));
    return e.details as { retryAfterSeconds: number; reason: string };
  }
}

test('a key may send its burst at once, then its rate: beyond, RateLimitExceeded with the seconds to wait', () => {
  let now = 1_000_000;
  const limits = new RateLimits(SETTINGS, () => now);
  for (let i = 0; i < 4; i++) assert.equal(refusal(() => limits.keyRequest('k')), null, `request ${i + 1} of the burst`);
  assert.deepEqual(refusal(() => limits.keyRequest('k')), { retryAfterSeconds: 1, reason: 'CallerRateLimitExceeded' });
  assert.equal(refusal(() => limits.keyRequest('other')), null, 'each key has its own bucket');
  now += 500; // one token back at 2/s
  assert.equal(refusal(() => limits.keyRequest('k')), null);
  assert.notEqual(refusal(() => limits.keyRequest('k')), null);
  now += 60_000;
  for (let i = 0; i < 4; i++) assert.equal(refusal(() => limits.keyRequest('k')), null, 'a quiet spell refills the bucket, never above the burst');
  assert.notEqual(refusal(() => limits.keyRequest('k')), null);
});

test('a slow rate says how long to wait', () => {
  const limits = new RateLimits({ ...SETTINGS, keyRequestsPerSecond: 0.1, keyBurst: 1 } as RateLimitSettings, () => 0);
  limits.keyRequest('k');
  assert.equal(refusal(() => limits.keyRequest('k'))!.retryAfterSeconds, 10);
});

test('public function URLs are limited per URL and client address', () => {
  const limits = new RateLimits(SETTINGS, () => 0);
  limits.publicUrlRequest('web', '10.0.0.1');
  assert.notEqual(refusal(() => limits.publicUrlRequest('web', '10.0.0.1')), null);
  assert.equal(refusal(() => limits.publicUrlRequest('web', '10.0.0.2')), null, 'another client');
  assert.equal(refusal(() => limits.publicUrlRequest('shop', '10.0.0.1')), null, 'another URL');
});

test('invocations at once per key: the end is given back once, however often it is called', () => {
  const limits = new RateLimits(SETTINGS, () => 0);
  const a = limits.beginInvocation('k');
  limits.beginInvocation('k');
  assert.deepEqual(refusal(() => limits.beginInvocation('k')), { retryAfterSeconds: 1, reason: 'ConcurrentInvocationLimitExceeded' });
  a();
  a();
  limits.beginInvocation('k');
  assert.notEqual(refusal(() => limits.beginInvocation('k')), null, 'a second call of the same end gave nothing back');
  assert.deepEqual(limits.inFlight().invocations, { k: 2 });
});

test('bodies waiting for their signature share one budget', () => {
  const limits = new RateLimits(SETTINGS, () => 0);
  const release = limits.reserveUnverifiedBody(60);
  assert.notEqual(refusal(() => limits.reserveUnverifiedBody(60)), null);
  release();
  release();
  assert.equal(refusal(() => limits.reserveUnverifiedBody(100)), null);
  assert.equal(limits.inFlight().unverifiedBodyBytes, 100);
});

test('0 is no limit', () => {
  const limits = new RateLimits({ keyRequestsPerSecond: 0, keyBurst: 1, keyConcurrentInvocations: 0, urlRequestsPerSecond: 0, urlBurst: 1, unverifiedBodyBytes: 0 }, () => 0);
  for (let i = 0; i < 10_000; i++) {
    limits.keyRequest('k');
    limits.publicUrlRequest('u', 'c');
    limits.beginInvocation('k');
    limits.reserveUnverifiedBody(1_000_000);
  }
});

test('public URL callers are forgotten when there are too many: full buckets first', () => {
  let now = 0;
  const limits = new RateLimits({ ...SETTINGS, urlRequestsPerSecond: 1000, urlBurst: 1 }, () => now);
  for (let i = 0; i < 100_001; i++) limits.publicUrlRequest('u', `c${i}`);
  now += 1000;
  limits.publicUrlRequest('u', 'newcomer');
  const buckets = (limits as unknown as { urls: { buckets: Map<string, unknown> } }).urls.buckets;
  assert.ok(buckets.size < 100, `${buckets.size} buckets kept after the idle ones were dropped`);
});
