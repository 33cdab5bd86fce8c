// Data access for destinations and dead letters: the deliveries of destination records
// (to a function or a webhook; each its own durable queue item, claimed, retried and
// finished like an event), and the dead letters kept per function until redriven,
// purged or past their retention.
// Times are ISO 8601 strings in UTC, so they order as text.
import { randomUUID } from 'node:crypto';
import type { Db } from './database.js';
import type { DeadLetter, Delivery, DeliveryState, DestinationCondition, FollowUp } from '../model/destinations.js';

interface DeliveryRow {
  id: string; event_id: string; function_name: string; qualifier: string | null; condition: string; destination: string; record: string;
  payload: Buffer; state: string; attempts: number; next_attempt_at: string; last_error: string | null; created_at: string;
}
interface DeadLetterRow {
  id: string; function_name: string; qualifier: string | null; event_id: string; condition: string; reason: string; destination: string | null;
  payload: Buffer; record: string; created_at: string;
}

/** The event a follow-up comes from. */
export interface FollowUpSource { id: string; functionName: string; qualifier: string | null; payload: Buffer }

export class DeliveriesTable {
  private readonly insertDeliveryStmt;
  private readonly insertDeadStmt;

  constructor(private readonly db: Db) {
    this.insertDeliveryStmt = db.prepare(`INSERT INTO async_deliveries (id, event_id, function_name, qualifier, condition, destination, record, payload, state, next_attempt_at, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`);
    this.insertDeadStmt = db.prepare(`INSERT INTO dead_letters (id, function_name, qualifier, event_id, condition, reason, destination, payload, record, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  /** Writes what follows a finished event (call inside the transaction that records its end). */
  addFollowUp(source: FollowUpSource, f: FollowUp, now: string): void {
    if (f.kind === 'delivery') {
      this.insertDeliveryStmt.run(randomUUID(), source.id, source.functionName, source.qualifier, f.condition, f.destination, f.record, source.payload, now, now);
    } else {
      this.insertDeadStmt.run(randomUUID(), source.functionName, source.qualifier, source.id, f.condition, f.reason ?? f.condition, null, source.payload, f.record, now);
    }
  }

  /** Claims up to `limit` deliveries due at `now` (moved to sending, their attempt counted). */
  claim(now: string, limit: number): Delivery[] {
    if (limit <= 0) return [];
    return this.db.transaction(() => {
      const rows = this.db.prepare(`SELECT * FROM async_deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, seq LIMIT ?`).all(now, limit) as DeliveryRow[];
      const start = this.db.prepare(`UPDATE async_deliveries SET state = 'sending', attempts = attempts + 1 WHERE id = ?`);
      for (const r of rows) {
        start.run(r.id);
        r.state = 'sending';
        r.attempts += 1;
      }
      return rows.map(toDelivery);
    })();
  }

  delivered(id: string, now: string): void {
    this.db.prepare(`UPDATE async_deliveries SET state = 'delivered', finished_at = ?, last_error = NULL WHERE id = ?`).run(now, id);
  }

  /** A failed attempt: due again at `nextAttemptAt`. */
  retry(id: string, error: string, nextAttemptAt: string): void {
    this.db.prepare(`UPDATE async_deliveries SET state = 'pending', last_error = ?, next_attempt_at = ? WHERE id = ?`).run(error, nextAttemptAt, id);
  }

  /** The delivery is given up: it ends dead and a dead letter is written for it, in one transaction. */
  giveUp(d: Delivery, reason: string, now: string): void {
    this.db.transaction(() => {
      this.db.prepare(`UPDATE async_deliveries SET state = 'dead', finished_at = ?, last_error = ? WHERE id = ?`).run(now, reason, d.id);
      this.insertDeadStmt.run(randomUUID(), d.functionName, d.qualifier, d.eventId, d.condition, reason, d.destination, d.payload, d.record, now);
    })();
  }

  /** At start: deliveries a stopped server left sending are pending again (sent at least once). */
  resumeInterrupted(now: string): number {
    return this.db.prepare(`UPDATE async_deliveries SET state = 'pending', next_attempt_at = ? WHERE state = 'sending'`).run(now).changes;
  }

  nextDueAt(): string | null {
    return (this.db.prepare(`SELECT MIN(next_attempt_at) FROM async_deliveries WHERE state = 'pending'`).pluck().get() as string | null) ?? null;
  }

  /** The deliveries of one event (oldest first). */
  forEvent(eventId: string): Delivery[] {
    return (this.db.prepare('SELECT * FROM async_deliveries WHERE event_id = ? ORDER BY seq').all(eventId) as DeliveryRow[]).map(toDelivery);
  }

  /** Deletes finished deliveries that finished before `cutoff`. */
  deleteFinishedBefore(cutoff: string): number {
    return this.db.prepare('DELETE FROM async_deliveries WHERE finished_at < ?').run(cutoff).changes;
  }

  // dead letters

  deadLetters(functionName: string, limit: number): DeadLetter[] {
    return (this.db.prepare('SELECT * FROM dead_letters WHERE function_name = ? ORDER BY seq LIMIT ?').all(functionName, limit) as DeadLetterRow[]).map(toDeadLetter);
  }

  deadLetter(functionName: string, id: string): DeadLetter | undefined {
    const row = this.db.prepare('SELECT * FROM dead_letters WHERE function_name = ? AND id = ?').get(functionName, id) as DeadLetterRow | undefined;
    return row && toDeadLetter(row);
  }

  countDeadLetters(functionName: string): number {
    return this.db.prepare('SELECT COUNT(*) FROM dead_letters WHERE function_name = ?').pluck().get(functionName) as number;
  }

  /** Deletes the function's dead letters named (all of them when `ids` is null); returns how many went. */
  deleteDeadLetters(functionName: string, ids: string[] | null): number {
    if (ids === null) return this.db.prepare('DELETE FROM dead_letters WHERE function_name = ?').run(functionName).changes;
    const del = this.db.prepare('DELETE FROM dead_letters WHERE function_name = ? AND id = ?');
    return this.db.transaction(() => ids.reduce((n, id) => n + del.run(functionName, id).changes, 0))();
  }

  /** Deletes dead letters written before `cutoff` (their retention). */
  deleteDeadLettersBefore(cutoff: string): number {
    return this.db.prepare('DELETE FROM dead_letters WHERE created_at < ?').run(cutoff).changes;
  }
}

function toDelivery(r: DeliveryRow): Delivery {
  return {
    id: r.id, eventId: r.event_id, functionName: r.function_name, qualifier: r.qualifier, condition: r.condition as DestinationCondition,
    destination: r.destination, record: r.record, payload: r.payload, state: r.state as DeliveryState, attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at, lastError: r.last_error, createdAt: r.created_at,
  };
}

function toDeadLetter(r: DeadLetterRow): DeadLetter {
  return {
    id: r.id, functionName: r.function_name, qualifier: r.qualifier, eventId: r.event_id, condition: r.condition as DestinationCondition,
    reason: r.reason, destination: r.destination, payload: r.payload, record: r.record, createdAt: r.created_at,
  };
}
