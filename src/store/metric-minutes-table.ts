// Data access for the per-function per-minute metric rollups. Writes come once a
// minute from MetricRollups, every pending minute in one transaction; a minute already
// stored (an invocation that finished after its minute was written) is merged into,
// never overwritten. Reads return a range of minutes, for one function or all.
import type { Db } from './database.js';
import { mergeRollup, type MinuteRollup } from '../model/metric-rollup.js';

interface Row {
  function_name: string; minute: number; invocations: number; errors: number; throttles: number; cold_starts: number;
  duration_count: number; duration_sum_ms: number; duration_min_ms: number | null; duration_max_ms: number | null; duration_buckets: string;
  init_count: number; init_sum_ms: number; memory_count: number; memory_sum_kb: number; memory_peak_kb: number | null; cpu_ms: number;
}

export class MetricMinutesTable {
  private readonly getStmt;
  private readonly putStmt;
  private readonly rangeStmt;
  private readonly rangeAllStmt;
  private readonly deleteBeforeStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare('SELECT * FROM metric_minutes WHERE function_name = ? AND minute = ?');
    this.putStmt = db.prepare(`INSERT OR REPLACE INTO metric_minutes (function_name, minute, invocations, errors, throttles, cold_starts,
      duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_buckets, init_count, init_sum_ms, memory_count, memory_sum_kb,
      memory_peak_kb, cpu_ms) VALUES (@functionName, @minute, @invocations, @errors, @throttles, @coldStarts, @durationCount, @durationSumMs,
      @durationMinMs, @durationMaxMs, @buckets, @initCount, @initSumMs, @memoryCount, @memorySumKb, @memoryPeakKb, @cpuMs)`);
    this.rangeStmt = db.prepare('SELECT * FROM metric_minutes WHERE function_name = ? AND minute >= ? AND minute < ? ORDER BY minute');
    this.rangeAllStmt = db.prepare('SELECT * FROM metric_minutes WHERE minute >= ? AND minute < ? ORDER BY minute');
    this.deleteBeforeStmt = db.prepare('DELETE FROM metric_minutes WHERE minute < ?');
  }

  /** Adds the minutes, in one transaction: a minute already stored is merged with. */
  add(minutes: MinuteRollup[]): void {
    this.db.transaction(() => {
      for (const m of minutes) {
        const row = this.getStmt.get(m.functionName, m.minute) as Row | undefined;
        const merged = row ? toRollup(row) : null;
        if (merged) mergeRollup(merged, m);
        const r = merged ?? m;
        this.putStmt.run({ ...r, buckets: JSON.stringify(r.durationBuckets) });
      }
    })();
  }

  /** The stored minutes in [from, to) (ms), of one function or (null) of all, oldest first. */
  range(functionName: string | null, from: number, to: number): MinuteRollup[] {
    const rows = (functionName === null ? this.rangeAllStmt.all(from, to) : this.rangeStmt.all(functionName, from, to)) as Row[];
    return rows.map(toRollup);
  }

  /** Deletes the minutes before `cutoff` (ms); returns how many went. */
  deleteBefore(cutoff: number): number {
    return this.deleteBeforeStmt.run(cutoff).changes;
  }

  deleteForFunction(functionName: string): void {
    this.db.prepare('DELETE FROM metric_minutes WHERE function_name = ?').run(functionName);
  }
}

function toRollup(r: Row): MinuteRollup {
  return {
    functionName: r.function_name, minute: r.minute, invocations: r.invocations, errors: r.errors, throttles: r.throttles, coldStarts: r.cold_starts,
    durationCount: r.duration_count, durationSumMs: r.duration_sum_ms, durationMinMs: r.duration_min_ms, durationMaxMs: r.duration_max_ms,
    durationBuckets: JSON.parse(r.duration_buckets) as Record<number, number>, initCount: r.init_count, initSumMs: r.init_sum_ms,
    memoryCount: r.memory_count, memorySumKb: r.memory_sum_kb, memoryPeakKb: r.memory_peak_kb, cpuMs: r.cpu_ms,
  };
}
