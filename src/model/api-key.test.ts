import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inScope, parseDuration } from './api-key.js';

test('function scopes: * is any run of characters, ? one; no scope is every function', () => {
  assert.ok(inScope(['orders-*'], 'orders-api'));
  assert.ok(inScope(['orders-*'], 'orders-'));
  assert.ok(!inScope(['orders-*'], 'orders'));
  assert.ok(!inScope(['orders-*'], 'my-orders-api'), 'a glob matches the whole name');
  assert.ok(inScope(['a', 'b?'], 'b1'));
  assert.ok(!inScope(['a', 'b?'], 'b12'));
  assert.ok(inScope(null, 'anything'));
  assert.ok(!inScope([], 'anything'));
});

test('durations: minutes, hours, days, weeks', () => {
  assert.equal(parseDuration('90m'), 90 * 60_000);
  assert.equal(parseDuration('12h'), 12 * 3_600_000);
  assert.equal(parseDuration('30d'), 30 * 86_400_000);
  assert.equal(parseDuration('2w'), 14 * 86_400_000);
  for (const bad of ['0d', '30', 'd', '1y', '-1d', '1.5h']) assert.equal(parseDuration(bad), undefined, bad);
});
