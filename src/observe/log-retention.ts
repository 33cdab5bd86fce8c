// Keeps invocation records and their logs within retention: by age, and by the size of
// the database. Runs off the invoke path: on a timer, and soon after the recorder has
// written a sixteenth of the size limit since the last pass. It deletes in small
// batches, oldest first, yielding to the event loop between them so requests keep
// being answered, gives the freed pages back to the file system (the database uses
// incremental auto-vacuum) and empties the WAL, so the file on disk shrinks too.
import type { Logger } from 'pino';
import type { DatabaseSpace } from '../store/database.js';
import type { InvocationsTable } from '../store/invocations-table.js';

export interface RetentionPolicy {
  /** records (and logs) that started longer ago than this are deleted */
  maxAgeMs: number;
  /** while the database holds more than this, the oldest records (and logs) are deleted */
  maxBytes: number;
}

export interface CompactionReport {
  deletedByAge: number;
  deletedBySize: number;
  /** bytes of data pages before and after */
  usedBytesBefore: number;
  usedBytesAfter: number;
  /** size of the database file before and after */
  fileBytesBefore: number;
  fileBytesAfter: number;
}

const INTERVAL_MS = 60_000;
/** records per delete transaction by age: up to ~25 MB of logs at the per-invocation cap, a few ms of work */
const DELETE_BATCH = 100;
/** records per delete transaction by size: the first batch; the next ones are sized by what a record freed */
const FIRST_SIZE_BATCH = 20;
/** pages per incremental vacuum step (8 MB at 4 KB pages) */
const RELEASE_BATCH = 2048;
/** a pass over the size limit brings the data down to this share of it, so the next writes do not start another at once */
const SIZE_TARGET = 0.9;
/** a pass starts early once this share of the size limit has been written since the last one */
const WRITTEN_TRIGGER = 1 / 16;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class LogRetention {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<CompactionReport> | null = null;
  private writtenSince = 0;
  private stopped = false;

  constructor(private readonly o: {
    table: Pick<InvocationsTable, 'deleteOldest' | 'deleteStartedBefore'>;
    space: Pick<DatabaseSpace, 'report' | 'release' | 'checkpoint'>;
    log: Logger;
    policy: RetentionPolicy;
    now?: () => number;
    intervalMs?: number;
  }) {}

  /** A first pass now (the limits may have been lowered since the last start), then one per interval. */
  start(): void {
    this.soon();
    this.timer = setInterval(() => this.soon(), this.o.intervalMs ?? INTERVAL_MS);
    this.timer.unref();
  }

  /** The recorder wrote `bytes` of records and logs. */
  noteWritten(bytes: number): void {
    this.writtenSince += bytes;
    if (this.writtenSince >= this.o.policy.maxBytes * WRITTEN_TRIGGER && !this.running) setImmediate(() => this.soon());
  }

  /** One pass (or the one already running). */
  compact(): Promise<CompactionReport> {
    return (this.running ??= this.pass().finally(() => { this.running = null; }));
  }

  /** No pass starts after this; resolves once a running one has stopped at its next batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private soon(): void {
    if (this.stopped) return;
    // a failed pass is logged and the next one tries again
    this.compact().catch((err: unknown) => this.o.log.error({ err }, 'compacting invocation records and logs failed'));
  }

  private async pass(): Promise<CompactionReport> {
    const { table, space, policy } = this.o;
    this.writtenSince = 0;
    const before = space.report();
    let deletedByAge = 0;
    let deletedBySize = 0;

    const cutoff = new Date((this.o.now?.() ?? Date.now()) - policy.maxAgeMs).toISOString();
    while (!this.stopped) {
      const n = table.deleteStartedBefore(cutoff, DELETE_BATCH);
      deletedByAge += n;
      if (n < DELETE_BATCH) break;
      await nextTurn();
    }

    let used = space.report().usedBytes;
    if (used > policy.maxBytes) {
      const target = policy.maxBytes * SIZE_TARGET;
      let batch = FIRST_SIZE_BATCH;
      let freed = 0;
      let counted = 0;
      while (!this.stopped && used > target) {
        const n = table.deleteOldest(batch);
        if (n === 0) {
          this.o.log.warn({ usedBytes: used, maxBytes: policy.maxBytes }, 'the database is over its size limit with no invocation records left to delete: other data fills it');
          break;
        }
        deletedBySize += n;
        const now = space.report().usedBytes;
        // records written meanwhile (between batches) can hide what a batch freed: count only batches that show it
        if (now < used) {
          freed += used - now;
          counted += n;
        }
        used = now;
        // as many records as should free what is still over, at the bytes a record freed so far; growing at most twofold
        if (counted) batch = Math.min(DELETE_BATCH, 2 * batch, Math.max(1, Math.ceil((used - target) / (freed / counted))));
        await nextTurn();
      }
    }

    let free = space.report().freePages;
    while (!this.stopped && free > 0) {
      const left = space.release(RELEASE_BATCH);
      if (left >= free) break; // nothing given back (not an auto-vacuum database)
      free = left;
      await nextTurn();
    }
    if (!this.stopped && (deletedByAge || deletedBySize || free < before.freePages)) space.checkpoint();

    const after = space.report();
    const report: CompactionReport = {
      deletedByAge, deletedBySize, usedBytesBefore: before.usedBytes, usedBytesAfter: after.usedBytes, fileBytesBefore: before.fileBytes, fileBytesAfter: after.fileBytes,
    };
    if (deletedByAge || deletedBySize) this.o.log.info(report, 'deleted invocation records and logs past their retention');
    return report;
  }
}
