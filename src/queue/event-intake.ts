// Accepting asynchronous invocations with group commit: events arriving within a short
// window are written in one transaction, and each caller's promise settles only once
// its own event is committed, so a 202 is never sent for an event a crash could lose.
// One transaction per group instead of one per request is what makes accepting cheap.
import { SkyscaleError } from '../errors.js';
import type { NewAsyncEvent } from '../store/async-events-table.js';

interface Pending {
  event: NewAsyncEvent;
  alongside: (() => void) | undefined;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface EventIntakeOptions {
  store: { insertMany(events: NewAsyncEvent[], alongside?: () => void): void };
  /** how long the first event of a group waits for others; 0: those that arrive in the same turn of the event loop */
  windowMs: number;
  /** a group is committed at once when it reaches this size */
  maxGroup: number;
  /** told after each commit (the dispatcher wakes) */
  onCommitted: () => void;
}

export class EventIntake {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private closed = false;
  /** groups committed so far (for tests and the benchmark) */
  commits = 0;

  constructor(private readonly o: EventIntakeOptions) {}

  /**
   * Resolves once the event is committed to the database. `alongside` runs inside the
   * group's transaction (a schedule records the slot it fired with its event: both or
   * neither); it must not throw, or the whole group fails.
   */
  accept(event: NewAsyncEvent, alongside?: () => void): Promise<void> {
    if (this.closed) return Promise.reject(new SkyscaleError('ServerUnavailable', 'the server is shutting down: the event was not accepted', { hint: 'send it again once the server is back' }));
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ event, alongside, resolve, reject });
      if (this.pending.length >= this.o.maxGroup) this.commit();
      else if (!this.timer) this.timer = this.o.windowMs > 0 ? setTimeout(() => this.commit(), this.o.windowMs) : setImmediate(() => this.commit());
    });
  }

  /** Commits what is pending now (the window is cut short). */
  commit(): void {
    if (this.timer) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    const group = this.pending;
    if (!group.length) return;
    this.pending = [];
    try {
      this.o.store.insertMany(group.map((p) => p.event), () => {
        for (const p of group) p.alongside?.();
      });
    } catch (err) {
      const failure = new SkyscaleError('InternalError', `the event could not be stored: ${(err as Error).message}`, { cause: err });
      for (const p of group) p.reject(failure);
      return;
    }
    this.commits++;
    for (const p of group) p.resolve();
    this.o.onCommitted();
  }

  /** Commits what is pending and refuses what comes after. */
  close(): void {
    this.commit();
    this.closed = true;
  }
}
