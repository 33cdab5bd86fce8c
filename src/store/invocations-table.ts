// Data access for invocation records and their logs. Writes come in batches from
// InvocationRecorder, never one row per request on the invoke path; deletes for
// retention come in batches too, oldest first (a record's log goes with it).
import type { Db } from './database.js';
import type { InvocationStart, InvocationStatus, InvocationWithLog, LogPosition, StoredInvocation } from '../model/invocation.js';

interface Row {
  id: string; function_name: string; version: number; status: string; error_type: string | null; error_message: string | null;
  cold: number; start_kind: string | null; cpu_ms: number | null; init_ms: number | null; duration_ms: number | null; billed_ms: number | null; max_memory_kb: number | null;
  request_bytes: number; response_bytes: number; log_truncated: number; started_at: string; finished_at: string; text?: string | null;
  seq?: number;
}

export class InvocationsTable {
  private readonly insertRecord;
  private readonly insertLog;
  private readonly deleteOldestStmt;
  private readonly deleteBeforeStmt;
  private readonly newestStmt;
  private readonly olderStmt;

  constructor(private readonly db: Db) {
    this.insertRecord = db.prepare(`INSERT OR REPLACE INTO invocations (id, function_name, version, status, error_type, error_message, cold, start_kind, init_ms,
      duration_ms, billed_ms, max_memory_kb, cpu_ms, request_bytes, response_bytes, log_truncated, started_at, finished_at)
      VALUES (@id, @functionName, @version, @status, @errorType, @errorMessage, @cold, @start, @initMs, @durationMs, @billedMs, @maxMemoryKb, @cpuMs,
      @requestBytes, @responseBytes, @logTruncated, @startedAt, @finishedAt)`);
    this.insertLog = db.prepare('INSERT OR REPLACE INTO invocation_logs (invocation_id, function_name, text) VALUES (?, ?, ?)');
    // invocation_logs rows go by ON DELETE CASCADE
    this.deleteOldestStmt = db.prepare('DELETE FROM invocations WHERE rowid IN (SELECT rowid FROM invocations ORDER BY started_at LIMIT ?)');
    const page = `SELECT i.rowid AS seq, i.*, l.text FROM invocations i LEFT JOIN invocation_logs l ON l.invocation_id = i.id WHERE i.function_name = ?`;
    this.newestStmt = db.prepare(`${page} ORDER BY i.started_at DESC, i.rowid DESC LIMIT ?`);
    this.olderStmt = db.prepare(`${page} AND (i.started_at, i.rowid) < (?, ?) ORDER BY i.started_at DESC, i.rowid DESC LIMIT ?`);
    this.deleteBeforeStmt = db.prepare('DELETE FROM invocations WHERE rowid IN (SELECT rowid FROM invocations WHERE started_at < ? ORDER BY started_at LIMIT ?)');
  }

  /** Deletes the `count` oldest records (across functions) with their logs; returns how many went. */
  deleteOldest(count: number): number {
    return this.deleteOldestStmt.run(count).changes;
  }

  /** Deletes up to `count` records (with their logs) that started before `cutoff` (ISO 8601), oldest first; returns how many went. */
  deleteStartedBefore(cutoff: string, count: number): number {
    return this.deleteBeforeStmt.run(cutoff, count).changes;
  }

  insertMany(items: InvocationWithLog[]): void {
    this.db.transaction(() => {
      for (const r of items) {
        this.insertRecord.run({ ...r, cold: r.cold ? 1 : 0, logTruncated: r.logTruncated ? 1 : 0 });
        this.insertLog.run(r.id, r.functionName, r.log);
      }
    })();
  }

  get(id: string): InvocationWithLog | undefined {
    const row = this.db.prepare(`SELECT i.*, l.text FROM invocations i LEFT JOIN invocation_logs l ON l.invocation_id = i.id WHERE i.id = ?`).get(id) as Row | undefined;
    return row && toRecord(row);
  }

  /** Newest first. */
  recentForFunction(functionName: string, limit: number): InvocationWithLog[] {
    const rows = this.db.prepare(`SELECT i.*, l.text FROM invocations i LEFT JOIN invocation_logs l ON l.invocation_id = i.id
      WHERE i.function_name = ? ORDER BY i.started_at DESC, i.rowid DESC LIMIT ?`).all(functionName, limit) as Row[];
    return rows.map(toRecord);
  }

  /** A function's records with their logs, newest first, after `from` (exclusive; null: from the newest), `count` at most. */
  page(functionName: string, from: LogPosition | null, count: number): StoredInvocation[] {
    const rows = (from ? this.olderStmt.all(functionName, from.startedAt, from.seq, count) : this.newestStmt.all(functionName, count)) as Row[];
    return rows.map((r) => ({ record: toRecord(r), position: { startedAt: r.started_at, seq: r.seq! } }));
  }

  deleteForFunction(functionName: string): void {
    this.db.prepare('DELETE FROM invocations WHERE function_name = ?').run(functionName);
  }
}

function toRecord(r: Row): InvocationWithLog {
  return {
    id: r.id, functionName: r.function_name, version: r.version, status: r.status as InvocationStatus,
    errorType: r.error_type, errorMessage: r.error_message, cold: r.cold === 1, start: r.start_kind as InvocationStart | null, initMs: r.init_ms, durationMs: r.duration_ms,
    billedMs: r.billed_ms, maxMemoryKb: r.max_memory_kb, cpuMs: r.cpu_ms, requestBytes: r.request_bytes, responseBytes: r.response_bytes,
    logTruncated: r.log_truncated === 1, startedAt: r.started_at, finishedAt: r.finished_at, log: r.text ?? '',
  };
}
