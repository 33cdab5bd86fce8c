// Data access for the audit log: appended to, read newest first, never changed (the
// table refuses UPDATE and DELETE; see migration 5).
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

  /** The newest entries, newest first. */
  recent(limit: number): AuditEntry[] {
    const rows = this.db.prepare('SELECT seq, at, key_id, key_name, action, target, client, result, detail FROM audit_log ORDER BY seq DESC LIMIT ?').all(limit) as AuditRow[];
    return rows.map((r) => ({ seq: r.seq, at: r.at, keyId: r.key_id, keyName: r.key_name, action: r.action, target: r.target, client: r.client, result: r.result, detail: r.detail }));
  }
}
