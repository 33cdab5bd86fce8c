// Per-function per-minute metrics, kept off the invoke path: an invocation (or a
// throttle) only adds to the minute's sums in memory; once a minute the minutes that
// have ended are written in one transaction (all of them at shutdown), and rollups
// older than the retention are deleted. Reads merge the stored minutes with those
// still in memory, so the current minute shows at once, and re-aggregate them into
// steps (5m, 1h…) with percentiles from the merged histograms.
import type { Logger } from 'pino';
import type { InvocationRecord } from '../model/invocation.js';
import { addInvocation, durationPercentile, emptyRollup, mergeRollup, minuteOf, MINUTE_MS, type MinuteRollup } from '../model/metric-rollup.js';
import type { MetricMinutesTable } from '../store/metric-minutes-table.js';

/** One step of a series: what the invocations of [at, at + step) add up to. */
export interface MetricPoint {
  at: string;
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  duration: { p50: number | null; p95: number | null; p99: number | null; mean: number | null; max: number | null };
  initMeanMs: number | null;
  memory: { meanKb: number | null; peakKb: number | null };
  cpuMs: number;
}

export interface MetricSeries {
  from: string;
  to: string;
  step: string;
  stepSeconds: number;
  /** one per step from `from` to `to`, oldest first, steps without invocations included (zeros) */
  points: MetricPoint[];
  /** the whole range as one step */
  totals: Omit<MetricPoint, 'at'>;
}

/** One function's part of a node-wide series: its totals and its invocations per step (for a sparkline each). */
export interface FunctionBreakdown {
  name: string;
  totals: Omit<MetricPoint, 'at'>;
  /** aligned with the series' points */
  invocations: number[];
}

export interface MetricRollupsOptions {
  table: Pick<MetricMinutesTable, 'add' | 'range' | 'deleteBefore' | 'deleteForFunction'>;
  log: Logger;
  /** rollups older than this are deleted */
  retentionMs: number;
  now?: () => number;
  /** how often ended minutes are written (default: every minute) */
  flushEveryMs?: number;
}

export class MetricRollups {
  private readonly pending = new Map<string, MinuteRollup>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly o: MetricRollupsOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): void {
    this.timer = setInterval(() => this.flush(false), this.o.flushEveryMs ?? MINUTE_MS);
    this.timer.unref();
  }

  /** Writes every minute still in memory, the current one included. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.flush(true);
  }

  invoked(r: Pick<InvocationRecord, 'functionName' | 'status' | 'start' | 'durationMs' | 'initMs' | 'maxMemoryKb' | 'cpuMs'>): void {
    addInvocation(this.minute(r.functionName), r);
  }

  throttled(functionName: string): void {
    this.minute(functionName).throttles++;
  }

  /** Drops a deleted function's minutes, in memory and stored. */
  forgetFunction(functionName: string): void {
    for (const [key, m] of this.pending) if (m.functionName === functionName) this.pending.delete(key);
    this.o.table.deleteForFunction(functionName);
  }

  /**
   * Writes the minutes that have ended (all of them with `all`) in one transaction,
   * then deletes what is past retention. A failed write keeps the minutes in memory for
   * the next flush.
   */
  flush(all: boolean): void {
    const current = minuteOf(this.now());
    const due = [...this.pending.entries()].filter(([, m]) => all || m.minute < current);
    if (due.length > 0) {
      try {
        this.o.table.add(due.map(([, m]) => m));
        for (const [key, m] of due) if (this.pending.get(key) === m) this.pending.delete(key);
      } catch (err) {
        this.o.log.error({ err, minutes: due.length }, 'writing metric rollups failed; will retry');
        return;
      }
    }
    try {
      this.o.table.deleteBefore(this.now() - this.o.retentionMs);
    } catch (err) {
      this.o.log.warn({ err }, 'deleting old metric rollups failed; will retry');
    }
  }

  /** The series of one function (or, null, of all functions together) over [from, to) in steps of stepMs. */
  series(functionName: string | null, from: number, to: number, stepMs: number, stepName: string): MetricSeries {
    const start = Math.floor(from / stepMs) * stepMs;
    const end = Math.ceil(to / stepMs) * stepMs;
    const steps: MinuteRollup[] = [];
    for (let at = start; at < end; at += stepMs) steps.push(emptyRollup(functionName ?? '', at));
    const total = emptyRollup(functionName ?? '', start);
    const add = (m: MinuteRollup) => {
      if (m.minute < start || m.minute >= end) return;
      if (functionName !== null && m.functionName !== functionName) return;
      mergeRollup(steps[Math.floor((m.minute - start) / stepMs)]!, m);
      mergeRollup(total, m);
    };
    for (const m of this.o.table.range(functionName, start, end)) add(m);
    for (const m of this.pending.values()) add(m);
    const { at: _at, ...totals } = point(total);
    return { from: new Date(start).toISOString(), to: new Date(end).toISOString(), step: stepName, stepSeconds: stepMs / 1000, points: steps.map(point), totals };
  }

  /** Every function that ran in [from, to), busiest first: its totals and its invocations per step. */
  breakdown(from: number, to: number, stepMs: number): FunctionBreakdown[] {
    const start = Math.floor(from / stepMs) * stepMs;
    const end = Math.ceil(to / stepMs) * stepMs;
    const steps = Math.round((end - start) / stepMs);
    const byName = new Map<string, { total: MinuteRollup; invocations: number[] }>();
    const add = (m: MinuteRollup) => {
      if (m.minute < start || m.minute >= end) return;
      let f = byName.get(m.functionName);
      if (!f) byName.set(m.functionName, (f = { total: emptyRollup(m.functionName, start), invocations: new Array<number>(steps).fill(0) }));
      mergeRollup(f.total, m);
      f.invocations[Math.floor((m.minute - start) / stepMs)]! += m.invocations;
    };
    for (const m of this.o.table.range(null, start, end)) add(m);
    for (const m of this.pending.values()) add(m);
    return [...byName.entries()]
      .map(([name, f]) => {
        const { at: _at, ...totals } = point(f.total);
        return { name, totals, invocations: f.invocations };
      })
      .sort((a, b) => b.totals.invocations - a.totals.invocations || a.name.localeCompare(b.name));
  }

  private minute(functionName: string): MinuteRollup {
    const minute = minuteOf(this.now());
    const key = `${functionName}\n${minute}`;
    let m = this.pending.get(key);
    if (!m) this.pending.set(key, (m = emptyRollup(functionName, minute)));
    return m;
  }
}

const round = (v: number | null, digits = 3): number | null => (v === null ? null : Number(v.toFixed(digits)));

function point(m: MinuteRollup): MetricPoint {
  return {
    at: new Date(m.minute).toISOString(), invocations: m.invocations, errors: m.errors, throttles: m.throttles, coldStarts: m.coldStarts,
    duration: {
      p50: round(durationPercentile(m, 0.5)), p95: round(durationPercentile(m, 0.95)), p99: round(durationPercentile(m, 0.99)),
      mean: m.durationCount ? round(m.durationSumMs / m.durationCount) : null, max: round(m.durationMaxMs),
    },
    initMeanMs: m.initCount ? round(m.initSumMs / m.initCount) : null,
    memory: { meanKb: m.memoryCount ? Math.round(m.memorySumKb / m.memoryCount) : null, peakKb: m.memoryPeakKb },
    cpuMs: round(m.cpuMs)!,
  };
}
