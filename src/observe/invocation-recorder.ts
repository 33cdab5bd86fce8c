// Writes invocation records and logs in batches, off the invoke path: record() only
// queues; a timer flushes the queue in one transaction (at once when the queue holds
// many records or many bytes of logs). Reads look at the queue first so a record is
// visible the moment its invocation has answered. What was written is reported to
// retention (afterWrite), which keeps the stored records within their limits.
import type { Logger } from 'pino';
import type { InvocationsTable } from '../store/invocations-table.js';
import type { InvocationWithLog, LogPosition, StoredInvocation } from '../model/invocation.js';

/** What a record costs besides its log text, roughly, in bytes. */
const RECORD_OVERHEAD_BYTES = 300;

export interface RecorderOptions {
  flushDelayMs?: number;
  /** records in one batch at most */
  maxBatch?: number;
  /** log text in one batch at most (UTF-16 code units): a batch is one transaction, and its size the WAL's */
  maxBatchChars?: number;
  /** told the approximate bytes of each batch written */
  afterWrite?: (bytes: number) => void;
}

export class InvocationRecorder {
  private pending = new Map<string, InvocationWithLog>();
  private pendingChars = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly flushDelayMs: number;
  private readonly maxBatch: number;
  private readonly maxBatchChars: number;

  constructor(
    private readonly table: InvocationsTable,
    private readonly log: Logger,
    private readonly opts: RecorderOptions = {},
  ) {
    this.flushDelayMs = opts.flushDelayMs ?? 50;
    this.maxBatch = opts.maxBatch ?? 500;
    this.maxBatchChars = opts.maxBatchChars ?? 8 * 1024 * 1024;
  }

  record(item: InvocationWithLog): void {
    this.pending.set(item.id, item);
    this.pendingChars += item.log.length;
    if (this.pending.size >= this.maxBatch || this.pendingChars >= this.maxBatchChars) {
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

  /**
   * A function's records with their logs, newest first, after `from` (null: from the
   * newest), `count` at most: queued records are written first, so every one has its
   * place in the order.
   */
  page(functionName: string, from: LogPosition | null, count: number): StoredInvocation[] {
    if (this.pending.size) this.flush();
    return this.table.page(functionName, from, count);
  }

  /** Drops a deleted function's records and logs, queued or stored. */
  forgetFunction(functionName: string): void {
    for (const [id, r] of this.pending) {
      if (r.functionName !== functionName) continue;
      this.pending.delete(id);
      this.pendingChars -= r.log.length;
    }
    this.table.deleteForFunction(functionName);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    try {
      this.table.insertMany(batch);
      let bytes = 0;
      for (const item of batch) {
        bytes += item.log.length + RECORD_OVERHEAD_BYTES;
        if (this.pending.get(item.id) === item) this.pending.delete(item.id);
      }
      this.pendingChars = [...this.pending.values()].reduce((n, r) => n + r.log.length, 0);
      this.opts.afterWrite?.(bytes);
    } catch (err) {
      // Keep the batch queued and try again later: an invocation record is never dropped silently.
      this.log.error({ err, batch: batch.length }, 'writing invocation records failed; will retry');
      this.timer = setTimeout(() => this.flush(), 1000);
      this.timer.unref();
    }
  }
}
