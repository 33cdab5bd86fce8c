// Data access for the durable queue of asynchronous invocations: events are inserted
// in batches (one transaction per group of accepted requests); the attempts that ended
// are recorded and the next due events claimed (their attempt rows started) in one
// transaction.
// Times are ISO 8601 strings in UTC, so they order as text.
import type { Db } from './database.js';
import { attemptRecordId, type AsyncAttempt, type AsyncEvent, type AsyncState, type AttemptOutcome } from '../model/async-invocation.js';
import type { FollowUp } from '../model/destinations.js';
import { DeliveriesTable } from './deliveries-table.js';

interface EventRow {
  id: string; function_name: string; qualifier: string | null; payload: Buffer; state: string; attempts: number; failures: number;
  accepted_at: string; next_attempt_at: string; finished_at: string | null; reason: string | null;
}
interface AttemptRow {
  attempt: number; started_at: string; finished_at: string | null; outcome: string; error_type: string | null; duration_ms: number | null; record_id: string;
}

export interface NewAsyncEvent {
  id: string;
  functionName: string;
  qualifier: string | null;
  payload: Buffer;
  acceptedAt: string;
}

/** How an attempt ended, and what becomes of its event. */
export interface AttemptEnd {
  outcome: Exclude<AttemptOutcome, 'running' | 'interrupted'>;
  errorType: string | null;
  durationMs: number | null;
  finishedAt: string;
  /** the event's next state: finished, or retrying at `nextAttemptAt` */
  state: AsyncState;
  nextAttemptAt?: string;
  /** the attempt used up a retry (a failure, not a throttle) */
  failed: boolean;
  reason?: string | null;
  /** a finished event's delivery to its destination, or its dead letter: written in the same transaction */
  followUp?: FollowUp;
}

/** An attempt that ended, waiting to be recorded. */
export interface EndedAttempt {
  id: string;
  attempt: number;
  end: AttemptEnd;
}

export class AsyncEventsTable {
  private readonly insertStmt;
  private readonly dueStmt;
  private readonly startStmt;
  private readonly insertAttemptStmt;
  private readonly endAttemptStmt;
  private readonly endEventStmt;
  private readonly getStmt;
  private readonly attemptsStmt;
  private readonly nextDueStmt;
  private readonly countsStmt;
  private readonly deliveries: DeliveriesTable;

  constructor(private readonly db: Db) {
    this.deliveries = new DeliveriesTable(db);
    this.insertStmt = db.prepare(`INSERT INTO async_events (id, function_name, qualifier, payload, state, accepted_at, next_attempt_at)
      VALUES (?, ?, ?, ?, 'queued', ?, ?)`);
    this.dueStmt = db.prepare(`SELECT * FROM async_events WHERE state IN ('queued', 'retrying') AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?`);
    this.startStmt = db.prepare(`UPDATE async_events SET state = 'running', attempts = attempts + 1 WHERE id = ?`);
    this.insertAttemptStmt = db.prepare(`INSERT INTO async_attempts (event_id, attempt, started_at, outcome, record_id) VALUES (?, ?, ?, 'running', ?)`);
    this.endAttemptStmt = db.prepare(`UPDATE async_attempts SET finished_at = ?, outcome = ?, error_type = ?, duration_ms = ? WHERE event_id = ? AND attempt = ?`);
    this.endEventStmt = db.prepare(`UPDATE async_events SET state = @state, failures = failures + @failed, next_attempt_at = COALESCE(@nextAttemptAt, next_attempt_at),
      finished_at = @finishedAt, reason = @reason WHERE id = @id`);
    this.getStmt = db.prepare('SELECT * FROM async_events WHERE id = ?');
    this.attemptsStmt = db.prepare('SELECT * FROM async_attempts WHERE event_id = ? ORDER BY attempt');
    this.nextDueStmt = db.prepare(`SELECT MIN(next_attempt_at) FROM async_events WHERE state IN ('queued', 'retrying')`).pluck();
    this.countsStmt = db.prepare('SELECT state, COUNT(*) AS n FROM async_events GROUP BY state');
  }

  /** All of them in one transaction: one commit for a group of accepted requests. */
  /** Inserts the events, and runs `alongside` (other rows that go with them) in the same transaction. */
  insertMany(events: NewAsyncEvent[], alongside?: () => void): void {
    this.db.transaction(() => {
      for (const e of events) this.insertStmt.run(e.id, e.functionName, e.qualifier, e.payload, e.acceptedAt, e.acceptedAt);
      alongside?.();
    })();
  }

  /**
   * Records the attempts that ended, then claims up to `limit` events due at `now`,
   * oldest due first, each moved to running with a new attempt row, all in one
   * transaction: a claimed event is never claimed twice, and the dispatcher pays one
   * commit for what it finished and what it starts next.
   */
  settleAndClaim(ended: EndedAttempt[], now: string, limit: number): AsyncEvent[] {
    if (limit <= 0 && !ended.length) return [];
    return this.db.transaction(() => {
      for (const { id, attempt, end } of ended) this.writeEnd(id, attempt, end);
      if (limit <= 0) return [];
      const rows = this.dueStmt.all(now, limit) as EventRow[];
      for (const r of rows) {
        this.startStmt.run(r.id);
        r.attempts += 1;
        r.state = 'running';
        this.insertAttemptStmt.run(r.id, r.attempts, now, attemptRecordId(r.id, r.attempts));
      }
      return rows.map(toEvent);
    })();
  }

  private writeEnd(id: string, attempt: number, end: AttemptEnd): void {
    const finished = end.state === 'succeeded' || end.state === 'failed' || end.state === 'expired';
    this.endAttemptStmt.run(end.finishedAt, end.outcome, end.errorType, end.durationMs, id, attempt);
    this.endEventStmt.run({
      id, state: end.state, failed: end.failed ? 1 : 0, nextAttemptAt: end.nextAttemptAt ?? null,
      finishedAt: finished ? end.finishedAt : null, reason: end.reason ?? null,
    });
    if (finished && end.followUp) {
      const e = this.get(id);
      if (e) this.deliveries.addFollowUp(e, end.followUp, end.finishedAt);
    }
  }

  /**
   * At start: events a stopped server left running are due again now (at least once:
   * their attempt may have run), and those attempts are marked interrupted.
   */
  resumeInterrupted(now: string): number {
    return this.db.transaction(() => {
      this.db.prepare(`UPDATE async_attempts SET outcome = 'interrupted', finished_at = ? WHERE outcome = 'running'`).run(now);
      return this.db.prepare(`UPDATE async_events SET state = 'retrying', next_attempt_at = ? WHERE state = 'running'`).run(now).changes;
    })();
  }

  get(id: string): AsyncEvent | undefined {
    const row = this.getStmt.get(id) as EventRow | undefined;
    return row && toEvent(row);
  }

  attempts(id: string): AsyncAttempt[] {
    return (this.attemptsStmt.all(id) as AttemptRow[]).map((r) => ({
      attempt: r.attempt, startedAt: r.started_at, finishedAt: r.finished_at, outcome: r.outcome as AttemptOutcome,
      errorType: r.error_type, durationMs: r.duration_ms, recordId: r.record_id,
    }));
  }

  /** When the next waiting event is due (null: none waits). */
  nextDueAt(): string | null {
    return (this.nextDueStmt.get() as string | null) ?? null;
  }

  /** Events per state. */
  counts(): Partial<Record<AsyncState, number>> {
    return Object.fromEntries((this.countsStmt.all() as { state: AsyncState; n: number }[]).map((r) => [r.state, r.n]));
  }

  /** Deletes up to `count` finished events (with their attempts) that finished before `cutoff`; returns how many went. */
  deleteFinishedBefore(cutoff: string, count: number): number {
    return this.db.prepare('DELETE FROM async_events WHERE rowid IN (SELECT rowid FROM async_events WHERE finished_at < ? LIMIT ?)').run(cutoff, count).changes;
  }
}

function toEvent(r: EventRow): AsyncEvent {
  return {
    id: r.id, functionName: r.function_name, qualifier: r.qualifier, payload: r.payload, state: r.state as AsyncState, attempts: r.attempts,
    failures: r.failures, acceptedAt: r.accepted_at, nextAttemptAt: r.next_attempt_at, finishedAt: r.finished_at, reason: r.reason,
  };
}
