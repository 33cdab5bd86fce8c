import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.js';

const base = { HOME: '/tmp/skyscale-config-test' };

test('the request gate settings: timeouts and per-key limits have their documented defaults', () => {
  const c = loadConfig(base);
  assert.deepEqual([c.headersTimeoutMs, c.requestTimeoutMs, c.keepAliveTimeoutMs], [10_000, 60_000, 5_000]);
  assert.deepEqual([c.keyRate, c.keyBurst, c.keyConcurrency, c.urlRate, c.urlBurst, c.unverifiedBodyMb], [1000, 2000, 100, 100, 200, 64]);
});

test('environment variables and flags set them; the burst follows the rate unless set; 0 lifts a limit', () => {
  const c = loadConfig({ ...base, SKYSCALE_KEY_RATE: '5', SKYSCALE_URL_RATE: '0', SKYSCALE_KEY_CONCURRENCY: '0' }, { 'request-timeout': '30', 'url-burst': '7' });
  assert.deepEqual([c.keyRate, c.keyBurst, c.keyConcurrency, c.urlRate, c.urlBurst, c.requestTimeoutMs], [5, 10, 0, 0, 7, 30_000]);
});

test('a headers timeout longer than the request timeout is refused, with every problem at once', () => {
  assert.throws(() => loadConfig({ ...base, SKYSCALE_HEADERS_TIMEOUT_SECONDS: '90', SKYSCALE_KEY_RATE: '-1' }),
    (e: Error & { details?: { problems: string[] } }) => e.details?.problems.length === 2 && /headers timeout must not be longer/.test(e.message));
});
