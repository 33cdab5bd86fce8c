// Drains the durable queue of asynchronous invocations: claims due events a few at a
// time, runs each through the scheduler's invoker (admission, placement, records) under
// its own request id, and records how every attempt ended. Function errors, timeouts,
// crashes and faults are retried (up to the function's maximum retry attempts, after
// retryBaseMs, then twice that); throttles are retried with backoff until the event's
// maximum age runs out; an event past that age is dropped with the reason recorded.
// It never takes a slot a synchronous invocation waits for: it claims only while the
// node's admission has no one waiting and room to run, and at most `concurrency` at once.
// On start, events a stopped server left running are due again (delivery is at least
// once); a finished event is never claimed again.
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import { attemptRecordId, type AsyncEvent, type AsyncSettings } from '../model/async-invocation.js';
import { destinationRecord, type DestinationCondition, type FollowUp } from '../model/destinations.js';
import type { AsyncEventsTable, AttemptEnd, EndedAttempt } from '../store/async-events-table.js';
import type { InvocationOutcome } from '../scheduler/invoker.js';

/** The invoke path: the scheduler's invoker. */
export interface EventRunner {
  invoke(functionName: string, qualifier: string | undefined, event: Buffer, requestId: string, recordId?: string): Promise<InvocationOutcome>;
}

/** Errors that no retry can mend: the function (or its version or alias) is gone, or has no code. */
const PERMANENT = new Set(['FunctionNotFound', 'AliasNotFound', 'FunctionNotReady', 'PayloadTooLarge', 'EventPayloadTooLarge']);

export interface DispatcherOptions {
  table: Pick<AsyncEventsTable, 'settleAndClaim' | 'resumeInterrupted' | 'nextDueAt'>;
  settingsFor: (functionName: string, qualifier: string | null) => AsyncSettings;
  runner: EventRunner;
  /** the node's admission: invocations running and waiting, and how many may run */
  capacity: () => { inFlight: number; queued: number; nodeLimit: number };
  /** attempts running at once at most */
  concurrency: number;
  /** the wait before the first retry (the second waits twice this); Lambda's is about a minute */
  retryBaseMs: number;
  log: Logger;
  /** how soon it looks again when events are due but the node is busy */
  busyPollMs?: number;
  now?: () => number;
  /** told when finished events left deliveries to send (the deliverer wakes) */
  onFollowUps?: () => void;
}

export class AsyncDispatcher {
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private woken = false;
  private closed = false;
  /** attempts that ended since the last look at the queue: recorded with the next claim, in its transaction */
  private ended: EndedAttempt[] = [];
  private readonly now: () => number;

  constructor(private readonly o: DispatcherOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Makes the events a stopped server left running due again, then starts draining. */
  start(): void {
    const resumed = this.o.table.resumeInterrupted(this.iso());
    if (resumed) this.o.log.info({ events: resumed }, 'asynchronous invocations interrupted by the last stop are due again');
    this.pump();
  }

  /** Something was queued (or a slot freed): look at the queue soon. */
  wake(): void {
    if (this.woken || this.closed) return;
    this.woken = true;
    setImmediate(() => {
      this.woken = false;
      this.pump();
    });
  }

  /** Attempts under way now. */
  get inFlight(): number {
    return this.running;
  }

  /** Stops claiming. Attempts still under way are not recorded: their events stay running and are resumed on the next start. */
  close(): void {
    if (this.closed) return;
    this.settle(0);
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const cap = this.o.capacity();
    // synchronous callers first: none may be kept waiting by an event
    const room = cap.queued > 0 ? 0 : Math.min(this.o.concurrency - this.running, cap.nodeLimit - cap.inFlight);
    for (const e of this.settle(room)) void this.attempt(e);
    this.arm();
  }

  /** Records the attempts that ended and claims up to `room` events, in one transaction. */
  private settle(room: number): AsyncEvent[] {
    const ended = this.ended;
    this.ended = [];
    try {
      const claimed = this.o.table.settleAndClaim(ended, this.iso(), room);
      if (ended.some((x) => x.end.followUp?.kind === 'delivery')) this.o.onFollowUps?.();
      return claimed;
    } catch (err) {
      // not recorded: those events stay running, and run again after a restart
      this.o.log.error({ err, attempts: ended.length }, 'asynchronous invocation attempts could not be recorded');
      return [];
    }
  }

  /** Sets the timer for the next due event (or a short look again when due ones wait for room). */
  private arm(): void {
    const next = this.o.table.nextDueAt();
    if (next === null || this.closed) return;
    const wait = Date.parse(next) - this.now();
    const delay = wait > 0 ? Math.min(wait, 60_000) : (this.running >= this.o.concurrency ? 60_000 : (this.o.busyPollMs ?? 100));
    this.timer = setTimeout(() => this.pump(), delay);
    this.timer.unref();
  }

  private async attempt(e: AsyncEvent): Promise<void> {
    this.running++;
    try {
      const settings = this.o.settingsFor(e.functionName, e.qualifier);
      const ageMs = this.now() - Date.parse(e.acceptedAt);
      if (ageMs > settings.maxEventAgeSeconds * 1000) {
        this.end(e, settings, null, { outcome: 'expired', errorType: 'EventAgeExceeded', durationMs: null, state: 'expired', failed: false,
          reason: `EventAgeExceeded: the event was ${Math.round(ageMs / 1000)} s old, older than its maximum age of ${settings.maxEventAgeSeconds} s, and was dropped unrun` });
        return;
      }
      let outcome: InvocationOutcome | null = null;
      let error: SkyscaleError | null = null;
      try {
        outcome = await this.o.runner.invoke(e.functionName, e.qualifier ?? undefined, e.payload, e.id, attemptRecordId(e.id, e.attempts));
      } catch (err) {
        error = err instanceof SkyscaleError ? err : new SkyscaleError('InternalError', (err as Error).message ?? String(err), { cause: err });
      }
      // a stopping server leaves the event running: the next start runs it again
      if (this.closed) return;
      this.end(e, settings, outcome, this.decide(e, settings, outcome, error));
    } catch (err) {
      this.o.log.error({ err, requestId: e.id }, 'an asynchronous invocation attempt failed in the dispatcher; it runs again after a restart');
    } finally {
      this.running--;
      // attempts that end together are followed by one claim, not one each
      this.wake();
    }
  }

  private decide(e: AsyncEvent, s: AsyncSettings, outcome: InvocationOutcome | null, error: SkyscaleError | null): Omit<AttemptEnd, 'finishedAt'> {
    if (outcome?.status === 'success') {
      return { outcome: 'success', errorType: null, durationMs: outcome.durationMs, state: 'succeeded', failed: false };
    }
    const deadline = Date.parse(e.acceptedAt) + s.maxEventAgeSeconds * 1000;
    // a throttle: no slot (TooManyRequests) or no memory on the node for a start (NodeMemoryFull), both 429s
    if (error && error.status === 429) {
      const at = this.now() + this.throttleDelayMs(e.attempts - e.failures);
      if (at > deadline) {
        return { outcome: 'throttled', errorType: error.type, durationMs: null, state: 'expired', failed: false,
          reason: `EventAgeExceeded: throttled until its maximum age of ${s.maxEventAgeSeconds} s ran out (${error.message})` };
      }
      return { outcome: 'throttled', errorType: error.type, durationMs: null, state: 'retrying', nextAttemptAt: new Date(at).toISOString(), failed: false };
    }
    const base = outcome
      ? { outcome: outcome.status === 'error' || outcome.status === 'timeout' || outcome.status === 'crash' ? outcome.status : 'failed' as const, errorType: outcome.errorType, durationMs: outcome.durationMs }
      : { outcome: 'failed' as const, errorType: error!.type, durationMs: null };
    const what = outcome ? `${outcome.errorType ?? outcome.status}${outcome.errorMessage ? `: ${outcome.errorMessage}` : ''}` : `${error!.type}: ${error!.message}`;
    if (error && PERMANENT.has(error.type)) {
      return { ...base, state: 'failed', failed: true, reason: `${what} (not retried)` };
    }
    const failures = e.failures + 1;
    if (failures > s.maxRetryAttempts) {
      return { ...base, state: 'failed', failed: true, reason: `RetriesExhausted: ${failures} attempt${failures > 1 ? 's' : ''} failed; the last: ${what}` };
    }
    const at = this.now() + this.o.retryBaseMs * failures;
    if (at > deadline) {
      return { ...base, state: 'expired', failed: true, reason: `EventAgeExceeded: the next retry would come after its maximum age of ${s.maxEventAgeSeconds} s; the last attempt: ${what}` };
    }
    return { ...base, state: 'retrying', nextAttemptAt: new Date(at).toISOString(), failed: true };
  }

  /** Lambda's throttle backoff: from a second (retryBaseMs / 60) doubling up to five minutes (5 × retryBaseMs). */
  private throttleDelayMs(throttles: number): number {
    const first = Math.max(1, this.o.retryBaseMs / 60);
    return Math.min(first * 2 ** Math.max(0, throttles - 1), 5 * this.o.retryBaseMs);
  }

  /** Notes how the attempt ended; it is recorded with the next claim (an instant later, in the same transaction). */
  private end(e: AsyncEvent, s: AsyncSettings, outcome: InvocationOutcome | null, end: Omit<AttemptEnd, 'finishedAt'>): void {
    const finishedAt = this.iso();
    const followUp = end.state === 'succeeded' || end.state === 'failed' || end.state === 'expired' ? followUpOf(e, s, outcome, end, finishedAt) : undefined;
    this.ended.push({ id: e.id, attempt: e.attempts, end: { ...end, finishedAt, ...(followUp ? { followUp } : {}) } });
    if (end.state === 'failed' || end.state === 'expired') this.o.log.warn({ requestId: e.id, function: e.functionName, reason: end.reason }, `an asynchronous invocation ${end.state === 'failed' ? 'failed' : 'expired'}`);
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

/**
 * What follows a finished event: its record to the on-success or on-failure
 * destination, or, for a failure with no destination, a dead letter. A success with no
 * destination leaves nothing.
 */
function followUpOf(e: AsyncEvent, s: AsyncSettings, outcome: InvocationOutcome | null, end: Omit<AttemptEnd, 'finishedAt'>, timestamp: string): FollowUp | undefined {
  const condition: DestinationCondition = end.state === 'succeeded' ? 'Success' : end.state === 'expired' ? 'EventAgeExceeded' : 'RetriesExhausted';
  const destination = (condition === 'Success' ? s.onSuccess : s.onFailure) ?? null;
  if (condition === 'Success' && !destination) return undefined;
  const ran = end.outcome !== 'expired' && end.outcome !== 'throttled';
  const record = JSON.stringify(destinationRecord({
    requestId: e.id, functionName: e.functionName, qualifier: e.qualifier, condition, invokeCount: ran ? e.attempts : Math.max(0, e.attempts - 1), payload: e.payload, timestamp,
    response: outcome ? { executedVersion: e.qualifier ? String(outcome.version) : '$LATEST', functionError: outcome.functionError, payload: outcome.payload } : null,
  }));
  if (destination) return { kind: 'delivery', condition, destination, record, reason: null };
  return { kind: 'dead-letter', condition, destination: null, record, reason: end.reason ?? condition };
}
