// A function's invocations summed over one minute (the stored unit of metrics), and
// the arithmetic on it: adding an invocation, merging minutes into longer steps, and
// percentiles of duration. Durations are counted in a fixed histogram of logarithmic
// buckets (eight per doubling, so a percentile read from it is within ~4.5 % of the
// true value), which merges exactly: a 5-minute or 1-hour p99 is computed from the
// merged buckets, never averaged from the minutes' p99s.
import type { InvocationRecord } from './invocation.js';

export const MINUTE_MS = 60_000;

/** buckets per doubling of duration */
const BUCKETS_PER_DOUBLING = 8;
/** durations below this (ms) share the lowest bucket */
const FLOOR_MS = 0.001;

export interface MinuteRollup {
  functionName: string;
  /** the minute's start, ms since the epoch (a multiple of 60 000) */
  minute: number;
  /** invocations that finished (any status) */
  invocations: number;
  /** of those, the ones that did not succeed (error, timeout, crash, failed) */
  errors: number;
  /** invocations refused for concurrency (429): not in `invocations` */
  throttles: number;
  /** invocations that did not find an idle warm instance (pre-warmed pool or boot) */
  coldStarts: number;
  durationCount: number;
  durationSumMs: number;
  durationMinMs: number | null;
  durationMaxMs: number | null;
  /** log-bucket index → invocations whose duration fell in it (see bucketOf) */
  durationBuckets: Record<number, number>;
  initCount: number;
  initSumMs: number;
  memoryCount: number;
  memorySumKb: number;
  memoryPeakKb: number | null;
  cpuMs: number;
}

export function emptyRollup(functionName: string, minute: number): MinuteRollup {
  return {
    functionName, minute, invocations: 0, errors: 0, throttles: 0, coldStarts: 0, durationCount: 0, durationSumMs: 0, durationMinMs: null,
    durationMaxMs: null, durationBuckets: {}, initCount: 0, initSumMs: 0, memoryCount: 0, memorySumKb: 0, memoryPeakKb: null, cpuMs: 0,
  };
}

/** The minute an instant (ms) falls in. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** The histogram bucket of a duration: bucket i holds [2^(i/8), 2^((i+1)/8)) ms. */
export function bucketOf(ms: number): number {
  return Math.floor(Math.log2(Math.max(ms, FLOOR_MS)) * BUCKETS_PER_DOUBLING);
}

/** The middle (geometric) of a bucket, in ms: what a percentile falling in it reads as. */
function bucketMiddle(i: number): number {
  return 2 ** ((i + 0.5) / BUCKETS_PER_DOUBLING);
}

export function addInvocation(r: MinuteRollup, rec: Pick<InvocationRecord, 'status' | 'start' | 'durationMs' | 'initMs' | 'maxMemoryKb' | 'cpuMs'>): void {
  r.invocations++;
  if (rec.status !== 'success') r.errors++;
  if (rec.start === 'pool' || rec.start === 'boot') r.coldStarts++;
  if (rec.durationMs !== null) {
    const ms = rec.durationMs;
    r.durationCount++;
    r.durationSumMs += ms;
    r.durationMinMs = r.durationMinMs === null ? ms : Math.min(r.durationMinMs, ms);
    r.durationMaxMs = r.durationMaxMs === null ? ms : Math.max(r.durationMaxMs, ms);
    const b = bucketOf(ms);
    r.durationBuckets[b] = (r.durationBuckets[b] ?? 0) + 1;
  }
  if (rec.initMs !== null) {
    r.initCount++;
    r.initSumMs += rec.initMs;
  }
  if (rec.maxMemoryKb !== null) {
    r.memoryCount++;
    r.memorySumKb += rec.maxMemoryKb;
    r.memoryPeakKb = Math.max(r.memoryPeakKb ?? 0, rec.maxMemoryKb);
  }
  if (rec.cpuMs !== null) r.cpuMs += rec.cpuMs;
}

/** Adds `from` into `into` (same function or not: the system-wide view merges every function's minutes). */
export function mergeRollup(into: MinuteRollup, from: MinuteRollup): void {
  into.invocations += from.invocations;
  into.errors += from.errors;
  into.throttles += from.throttles;
  into.coldStarts += from.coldStarts;
  into.durationCount += from.durationCount;
  into.durationSumMs += from.durationSumMs;
  into.durationMinMs = minOf(into.durationMinMs, from.durationMinMs);
  into.durationMaxMs = from.durationMaxMs === null ? into.durationMaxMs : Math.max(into.durationMaxMs ?? 0, from.durationMaxMs);
  for (const [b, n] of Object.entries(from.durationBuckets)) into.durationBuckets[Number(b)] = (into.durationBuckets[Number(b)] ?? 0) + n;
  into.initCount += from.initCount;
  into.initSumMs += from.initSumMs;
  into.memoryCount += from.memoryCount;
  into.memorySumKb += from.memorySumKb;
  into.memoryPeakKb = from.memoryPeakKb === null ? into.memoryPeakKb : Math.max(into.memoryPeakKb ?? 0, from.memoryPeakKb);
  into.cpuMs += from.cpuMs;
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/**
 * The q-quantile (0 < q ≤ 1) of the durations counted: the middle of the bucket the
 * rank falls in, kept within the minimum and maximum seen (the last rank is the
 * maximum). Null without durations.
 */
export function durationPercentile(r: Pick<MinuteRollup, 'durationBuckets' | 'durationCount' | 'durationMinMs' | 'durationMaxMs'>, q: number): number | null {
  if (r.durationCount === 0) return null;
  const rank = Math.max(1, Math.ceil(q * r.durationCount));
  if (rank >= r.durationCount) return r.durationMaxMs;
  const buckets = Object.entries(r.durationBuckets).map(([b, n]) => [Number(b), n] as const).sort((a, b) => a[0] - b[0]);
  let seen = 0;
  for (const [b, n] of buckets) {
    seen += n;
    if (seen >= rank) {
      const v = bucketMiddle(b);
      return Math.min(Math.max(v, r.durationMinMs ?? v), r.durationMaxMs ?? v);
    }
  }
  return r.durationMaxMs;
}
