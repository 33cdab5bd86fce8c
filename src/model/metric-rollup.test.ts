import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addInvocation, bucketOf, durationPercentile, emptyRollup, mergeRollup, minuteOf, type MinuteRollup } from './metric-rollup.js';

const ok = (durationMs: number | null, extra: Partial<Parameters<typeof addInvocation>[1]> = {}) =>
  ({ status: 'success' as const, start: 'warm' as const, durationMs, initMs: null, maxMemoryKb: null, cpuMs: null, ...extra });

/** the exact q-quantile by rank, as the histogram approximates it */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

test('percentiles from the histogram are within 5 % of the exact ones, over a wide spread of durations', () => {
  const r = emptyRollup('f', 0);
  const values: number[] = [];
  let seed = 7;
  for (let i = 0; i < 5000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const v = 0.05 * Math.exp((seed / 2 ** 31) * 12); // 0.05 ms … ~8 s, log-uniform
    values.push(v);
    addInvocation(r, ok(v));
  }
  for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
    const got = durationPercentile(r, q)!;
    const want = exact(values, q);
    assert.ok(Math.abs(got - want) / want <= 0.05, `p${q * 100}: ${got} vs ${want}`);
  }
  assert.equal(durationPercentile(r, 1), Math.max(...values), 'the top is the maximum seen');
});

test('a percentile stays within the minimum and maximum seen; none without durations', () => {
  const r = emptyRollup('f', 0);
  assert.equal(durationPercentile(r, 0.5), null);
  addInvocation(r, ok(10));
  assert.equal(durationPercentile(r, 0.5), 10);
  assert.equal(durationPercentile(r, 0.99), 10);
});

test('counts: errors are what did not succeed, cold starts are pool and boot starts; memory mean and peak; CPU sums', () => {
  const r = emptyRollup('f', 0);
  addInvocation(r, ok(1, { start: 'boot', initMs: 40, maxMemoryKb: 1000, cpuMs: 2 }));
  addInvocation(r, ok(2, { start: 'pool', initMs: 20, maxMemoryKb: 3000, cpuMs: 1.5 }));
  addInvocation(r, ok(3, { status: 'error', maxMemoryKb: 2000 }));
  addInvocation(r, ok(null, { status: 'failed', start: null }));
  assert.equal(r.invocations, 4);
  assert.equal(r.errors, 2);
  assert.equal(r.coldStarts, 2);
  assert.equal(r.durationCount, 3);
  assert.equal(r.initSumMs / r.initCount, 30);
  assert.equal(r.memorySumKb / r.memoryCount, 2000);
  assert.equal(r.memoryPeakKb, 3000);
  assert.equal(r.cpuMs, 3.5);
});

test('merging minutes gives what adding every invocation to one would', () => {
  const durations = [0.2, 1, 5, 5, 9, 30, 120, 800];
  const whole = emptyRollup('f', 0);
  const parts: MinuteRollup[] = [emptyRollup('f', 0), emptyRollup('f', 60_000), emptyRollup('f', 120_000)];
  durations.forEach((d, i) => {
    addInvocation(whole, ok(d, { maxMemoryKb: 100 * i, cpuMs: d / 10 }));
    addInvocation(parts[i % 3]!, ok(d, { maxMemoryKb: 100 * i, cpuMs: d / 10 }));
  });
  const merged = emptyRollup('f', 0);
  for (const p of parts) mergeRollup(merged, p);
  assert.deepEqual({ ...merged, cpuMs: merged.cpuMs.toFixed(6) }, { ...whole, cpuMs: whole.cpuMs.toFixed(6) });
  for (const q of [0.5, 0.95, 0.99]) assert.equal(durationPercentile(merged, q), durationPercentile(whole, q));
});

test('buckets and minutes', () => {
  assert.equal(bucketOf(1), 0);
  assert.equal(bucketOf(2), 8, 'eight buckets per doubling');
  assert.ok(bucketOf(0) === bucketOf(0.0001), 'tiny durations share the lowest bucket');
  assert.equal(minuteOf(Date.UTC(2026, 11, 2, 10, 5, 59, 999)), Date.UTC(2026, 11, 2, 10, 5));
});
