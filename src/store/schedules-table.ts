// Data access for schedules. A firing moves `last_slot_ms` forward only (never back),
// in the transaction that inserts its event (see EventIntake's `alongside`), so a
// restart neither loses nor repeats a firing.
import type { Db } from './database.js';
import type { Schedule, ScheduleState } from '../model/schedule.js';

interface Row {
  function_name: string; name: string; expression: string; timezone: string; payload: Buffer | null; state: string;
  created_at: string; anchor_ms: number; last_slot_ms: number | null; last_fired_at: string | null; fired: number;
}

const toSchedule = (r: Row): Schedule => ({
  functionName: r.function_name, name: r.name, expression: r.expression, timezone: r.timezone,
  payload: r.payload === null ? null : r.payload.toString('utf8'), state: r.state as ScheduleState, createdAt: r.created_at,
  anchorMs: r.anchor_ms, lastSlotMs: r.last_slot_ms, lastFiredAt: r.last_fired_at, fired: r.fired,
});

export class SchedulesTable {
  private readonly firedStmt;

  constructor(private readonly db: Db) {
    this.firedStmt = db.prepare(`UPDATE schedules SET last_slot_ms = ?, last_fired_at = ?, fired = fired + 1
      WHERE function_name = ? AND name = ? AND (last_slot_ms IS NULL OR last_slot_ms < ?)`);
  }

  /** Inserts; false if the function already has a schedule by that name. */
  insert(s: Schedule): boolean {
    const r = this.db.prepare(`INSERT INTO schedules (function_name, name, expression, timezone, payload, state, created_at, anchor_ms, last_slot_ms, last_fired_at, fired)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
      .run(s.functionName, s.name, s.expression, s.timezone, s.payload === null ? null : Buffer.from(s.payload), s.state, s.createdAt, s.anchorMs, s.lastSlotMs, s.lastFiredAt, s.fired);
    return r.changes === 1;
  }

  get(fn: string, name: string): Schedule | undefined {
    const r = this.db.prepare('SELECT * FROM schedules WHERE function_name = ? AND name = ?').get(fn, name) as Row | undefined;
    return r && toSchedule(r);
  }

  /** All schedules, or one function's, by function then name. */
  list(fn?: string): Schedule[] {
    const rows = (fn === undefined
      ? this.db.prepare('SELECT * FROM schedules ORDER BY function_name, name').all()
      : this.db.prepare('SELECT * FROM schedules WHERE function_name = ? ORDER BY name').all(fn)) as Row[];
    return rows.map(toSchedule);
  }

  /** Sets the state; pausing or resuming also passes over the slots up to `slotMs`. */
  setState(fn: string, name: string, state: ScheduleState, passedSlotMs: number | null): boolean {
    return this.db.prepare(`UPDATE schedules SET state = ?, last_slot_ms = MAX(COALESCE(last_slot_ms, ?), ?) WHERE function_name = ? AND name = ?`)
      .run(state, passedSlotMs ?? 0, passedSlotMs ?? 0, fn, name).changes === 1;
  }

  delete(fn: string, name: string): boolean {
    return this.db.prepare('DELETE FROM schedules WHERE function_name = ? AND name = ?').run(fn, name).changes === 1;
  }

  /** Records a firing of `slotMs`; does nothing if that slot (or a later one) is already recorded. */
  markFired(fn: string, name: string, slotMs: number, firedAt: string): boolean {
    return this.firedStmt.run(slotMs, firedAt, fn, name, slotMs).changes === 1;
  }
}
