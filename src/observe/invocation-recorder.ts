// Writes invocation records and logs in batches, off the invoke path: record() only
// queues; a timer flushes the queue in one transaction. Reads look at the queue first
// so a record is visible the moment its invocation has answered.
import type { Logger } from 'pino';
import type { InvocationsTable } from '../store/invocations-table.js';
import type { InvocationWithLog } from '../model/invocation.js';

export class InvocationRecorder {
  private pending = new Map<string, InvocationWithLog>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly table: InvocationsTable,
    private readonly log: Logger,
    private readonly flushDelayMs = 50,
    private readonly maxBatch = 500,
  ) {}

  record(item: InvocationWithLog): void {
    this.pending.set(item.id, item);
    if (this.pending.size >= this.maxBatch) {
      setImmediate(() => this.flush());
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.flushDelayMs);
      this.timer.unref();
    }
  }

  get(id: string): InvocationWithLog | undefined {
    return this.pending.get(id) ?? this.table.get(id);
  }

  recentForFunction(functionName: string, limit: number): InvocationWithLog[] {
    const queued = [...this.pending.values()].filter((r) => r.functionName === functionName).reverse();
    const stored = this.table.recentForFunction(functionName, limit).filter((r) => !this.pending.has(r.id));
    return [...queued, ...stored].slice(0, limit);
  }

  /** Drops a deleted function's records and logs, queued or stored. */
  forgetFunction(functionName: string): void {
    for (const [id, r] of this.pending) if (r.functionName === functionName) this.pending.delete(id);
    this.table.deleteForFunction(functionName);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    try {
      this.table.insertMany(batch);
      for (const item of batch) if (this.pending.get(item.id) === item) this.pending.delete(item.id);
    } catch (err) {
      // Keep the batch queued and try again later: an invocation record is never dropped silently.
      this.log.error({ err, batch: batch.length }, 'writing invocation records failed; will retry');
      this.timer = setTimeout(() => this.flush(), 1000);
      this.timer.unref();
    }
  }
}
