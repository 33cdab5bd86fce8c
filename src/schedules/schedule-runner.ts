// Fires schedules. One timer, armed for the earliest due slot of all enabled schedules
// (re-armed when a schedule is created, paused, resumed or deleted); when it fires, each
// due schedule queues one asynchronous invocation through the queue's intake, and its
// latest due slot is recorded in the same transaction as the event. So after downtime
// the missed slots fire once (as the latest of them), and a slot recorded as fired never
// fires again after a restart.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { NewAsyncEvent } from '../store/async-events-table.js';
import type { SchedulesTable } from '../store/schedules-table.js';
import { latestDueSlot, nextSlot, parseScheduleExpression, type ScheduleExpression } from '../model/schedule-expression.js';
import { scheduledEvent, type Schedule } from '../model/schedule.js';

/** Time and timers, so tests can run the loop on a fake clock. */
export interface ScheduleClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: ScheduleClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** The intake's one method a schedule uses. */
export interface ScheduleIntake {
  accept(event: NewAsyncEvent, alongside?: () => void): Promise<void>;
}

/** The longest the timer sleeps before looking again (a wall clock set forward is noticed within it). */
const MAX_SLEEP_MS = 3_600_000;
/** After a firing could not be queued, the wait before trying again. */
const RETRY_MS = 5_000;

export class ScheduleRunner {
  private timer: unknown = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  private closed = false;
  private readonly parsed = new Map<string, ScheduleExpression>();
  private readonly failedUntil = new Map<string, number>();
  /** when the timer is next due (ms since the epoch), null if nothing is scheduled; for tests and `schedule list` */
  nextWake: number | null = null;

  constructor(private readonly o: { table: SchedulesTable; intake: ScheduleIntake; clock: ScheduleClock; log: Logger }) {}

  /** Fires what is due (what the last run missed, once) and arms the timer. */
  start(): void {
    this.rearm();
  }

  /** Looks again at every schedule: call after a change. */
  rearm(): void {
    if (this.closed) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
      if (this.again) {
        this.again = false;
        this.rearm();
      }
    });
  }

  /** Resolves once the current pass (if any) has finished: for tests. */
  async settled(): Promise<void> {
    while (this.ticking) await this.ticking;
  }

  /** The next slot of a schedule after what it fired, or null. */
  nextFor(s: Schedule): number | null {
    return nextSlot(this.expression(s), s.timezone, s.anchorMs, Math.max(s.anchorMs, s.lastSlotMs ?? s.anchorMs));
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) this.o.clock.clearTimer(this.timer);
    this.timer = null;
  }

  private expression(s: Schedule): ScheduleExpression {
    let e = this.parsed.get(s.expression);
    // stored expressions were checked against the minimum when created
    if (!e) this.parsed.set(s.expression, (e = parseScheduleExpression(s.expression, 1)));
    return e;
  }

  private async tick(): Promise<void> {
    if (this.timer !== null) this.o.clock.clearTimer(this.timer);
    this.timer = null;
    const now = this.o.clock.now();
    let wake = Infinity;
    const firings: Promise<void>[] = [];
    for (const s of this.o.table.list()) {
      if (s.state !== 'enabled') continue;
      const key = `${s.functionName}\u0000${s.name}`;
      const retryAt = this.failedUntil.get(key);
      if (retryAt !== undefined && retryAt > now) {
        wake = Math.min(wake, retryAt);
        continue;
      }
      this.failedUntil.delete(key);
      let e: ScheduleExpression;
      try {
        e = this.expression(s);
      } catch (err) {
        this.o.log.error({ err, schedule: s.name, function: s.functionName }, 'schedule expression no longer parses; skipped');
        continue;
      }
      const after = Math.max(s.anchorMs, s.lastSlotMs ?? s.anchorMs);
      const due = latestDueSlot(e, s.timezone, s.anchorMs, after, now);
      if (due !== null) firings.push(this.fire(s, due, now).catch((err: unknown) => {
        this.o.log.error({ err, schedule: s.name, function: s.functionName }, 'a schedule firing could not be queued; trying again');
        this.failedUntil.set(key, now + RETRY_MS);
      }));
      const next = nextSlot(e, s.timezone, s.anchorMs, Math.max(after, due ?? after));
      if (next !== null) wake = Math.min(wake, next);
    }
    await Promise.all(firings);
    for (const t of this.failedUntil.values()) wake = Math.min(wake, t);
    if (this.closed) return;
    this.nextWake = Number.isFinite(wake) ? wake : null;
    if (this.nextWake === null) return;
    const delay = Math.min(Math.max(this.nextWake - this.o.clock.now(), 0), MAX_SLEEP_MS);
    this.timer = this.o.clock.setTimer(() => {
      this.timer = null;
      this.rearm();
    }, delay);
  }

  private fire(s: Schedule, slotMs: number, now: number): Promise<void> {
    const id = randomUUID();
    const payload = s.payload ?? JSON.stringify(scheduledEvent(s, id, slotMs));
    const late = now - slotMs;
    if (late > 60_000) this.o.log.info({ schedule: s.name, function: s.functionName, slot: new Date(slotMs).toISOString(), lateMs: late }, 'schedule firing late (missed slots fire once)');
    return this.o.intake.accept(
      { id, functionName: s.functionName, qualifier: null, payload: Buffer.from(payload), acceptedAt: new Date(now).toISOString() },
      () => { this.o.table.markFired(s.functionName, s.name, slotMs, new Date(now).toISOString()); },
    );
  }
}
