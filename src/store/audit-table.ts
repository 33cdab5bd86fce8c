// Data access for the audit log: appended to, read newest first, never changed (the
// table refuses UPDATE, and DELETE of any entry newer than its retention horizon, which
// only moves forward; migrations 7 and 14).
import type { AuditEntry, NewAuditEntry } from '../model/audit.js';
import type { Db } from './database.js';

interface AuditRow {
  seq: number;
  at: string;
  key_id: string;
  key_name: string;
  action: string;
  target: string;
  client: string;
  result: string;
  detail: string | null;
}

export class AuditTable {
  constructor(private readonly db: Db) {}

  appendMany(entries: NewAuditEntry[]): void {
    const insert = this.db.prepare('INSERT INTO audit_log (at, key_id, key_name, action, target, client, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const e of entries) insert.run(e.at, e.keyId, e.keyName, e.action, e.target, e.client, e.result, e.detail);
    })();
  }

  /** Moves the retention horizon to `beforeIso` (never back) and deletes the entries older than it; returns how many went. */
  pruneBefore(beforeIso: string): number {
    return this.db.transaction(() => {
      this.db.prepare('UPDATE audit_horizon SET before = ? WHERE id = 1 AND before < ?').run(beforeIso, beforeIso);
      return this.db.prepare('DELETE FROM audit_log WHERE at < (SELECT before FROM audit_horizon WHERE id = 1)').run().changes;
    })();
  }

  /** The newest entries, newest first. */
  recent(limit: number): AuditEntry[] {
    const rows = this.db.prepare('SELECT seq, at, key_id, key_name, action, target, client, result, detail FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit) as AuditRow[];
    return rows.map((r) => ({ seq: r.seq, at: r.at, keyId: r.key_id, keyName: r.key_name, action: r.action, target: r.target, client: r.client, result: r.result, detail: r.detail }));
  }
}
