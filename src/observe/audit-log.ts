// The audit log of changes: record() queues an entry after its request was answered,
// and the queue is appended in one transaction on the next turn of the event loop, so
// a change's response never waits for it. Reads write the queue out first, so an entry
// is visible once its request has answered.
import type { Logger } from 'pino';
import type { AuditEntry, NewAuditEntry } from '../model/audit.js';
import type { AuditTable } from '../store/audit-table.js';

export class AuditLog {
  private pending: NewAuditEntry[] = [];
  private scheduled = false;

  constructor(private readonly table: AuditTable, private readonly log: Logger) {}

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
