// The audit log of changes: record() queues an entry after its request was answered,
// and the queue is appended in one transaction on the next turn of the event loop, so
// a change's response never waits for it. Reads write the queue out first, so an entry
// is visible once its request has answered. Entries older than the retention (a
// setting, default a year) are deleted on start and then once an hour.
import type { Logger } from 'pino';
import type { AuditEntry, NewAuditEntry } from '../model/audit.js';
import type { AuditTable } from '../store/audit-table.js';

const PRUNE_INTERVAL_MS = 3600_000;

export class AuditLog {
  private pending: NewAuditEntry[] = [];
  private scheduled = false;

  private readonly pruner: NodeJS.Timeout;

  constructor(private readonly table: AuditTable, private readonly log: Logger, private readonly retention: { maxAgeMs: number; now?: () => number } = { maxAgeMs: Number.POSITIVE_INFINITY }) {
    this.prune();
    this.pruner = setInterval(() => this.prune(), PRUNE_INTERVAL_MS).unref();
  }

  /** Deletes the entries past the retention; returns how many went. */
  prune(): number {
    if (!Number.isFinite(this.retention.maxAgeMs)) return 0;
    const before = new Date((this.retention.now ?? Date.now)() - this.retention.maxAgeMs).toISOString();
    try {
      const n = this.table.pruneBefore(before);
      if (n) this.log.info({ deleted: n, before }, 'audit log entries past their retention deleted');
      return n;
    } catch (err) {
      this.log.warn({ err }, 'pruning the audit log failed; will try again');
      return 0;
    }
  }

  close(): void {
    clearInterval(this.pruner);
    this.flush();
  }

  record(entry: NewAuditEntry): void {
    this.pending.push(entry);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  recent(limit: number): AuditEntry[] {
    this.flush();
    return this.table.recent(limit);
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.table.appendMany(batch);
    } catch (err) {
      // kept for the next try: an audit entry is never dropped silently
      this.pending = [...batch, ...this.pending];
      this.log.error({ err, entries: batch.length }, 'writing the audit log failed; will retry');
      if (!this.scheduled) {
        this.scheduled = true;
        setTimeout(() => this.flush(), 1000).unref();
      }
    }
  }
}
