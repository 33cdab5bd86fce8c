// The asynchronous invocations service the API uses: accept an event (checked, then
// committed with its group before the caller answers 202), show one with its attempts,
// and the event invoke configs. createAsyncQueue() wires the intake, the dispatcher and
// the configs on one database.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import type { AsyncAttempt, AsyncEvent } from '../model/async-invocation.js';
import { MAX_EVENT_PAYLOAD_BYTES } from '../model/limits.js';
import { AsyncEventsTable } from '../store/async-events-table.js';
import type { Db } from '../store/database.js';
import { EventInvokeConfigsTable } from '../store/event-invoke-configs-table.js';
import { DeliveriesTable } from '../store/deliveries-table.js';
import { EgressPolicy } from '../model/egress-policy.js';
import type { Delivery } from '../model/destinations.js';
import { DeadLetters } from './dead-letters.js';
import { Deliverer } from './deliverer.js';
import { AsyncDispatcher, type EventRunner } from './dispatcher.js';
import { hostWalls, PolicedWebhookSender, type WebhookSender } from './webhook.js';
import { EventInvokeConfigs, type FunctionCheck } from './event-configs.js';
import { EventIntake } from './event-intake.js';

export interface AsyncQueueSettings {
  /** attempts running at once at most */
  asyncConcurrency: number;
  /** the wait before an event's first retry (the second waits twice this) */
  asyncRetryBaseMs: number;
  /** how long an accepted event waits for others to share its commit; 0: the same turn of the event loop */
  asyncCommitWindowMs: number;
  /** attempts of a webhook delivery before it is dead-lettered */
  webhookAttempts: number;
  /** how long a webhook has to answer */
  webhookTimeoutMs: number;
}

/** An asynchronous invocation as the API shows it. */
export interface AsyncInvocationView {
  event: Omit<AsyncEvent, 'payload'> & { payloadBytes: number };
  attempts: AsyncAttempt[];
  /** its record's deliveries to a destination */
  deliveries: Omit<Delivery, 'payload' | 'record'>[];
}

export class AsyncInvocations {
  constructor(
    private readonly table: AsyncEventsTable,
    private readonly intake: EventIntake,
    readonly configs: EventInvokeConfigs,
    private readonly functions: FunctionCheck,
    private readonly deliveries: DeliveriesTable,
    readonly deadLetters: DeadLetters,
  ) {}

  /**
   * Checks the event (the function and qualifier exist, the payload is within the
   * Event limit) and resolves with its request id once it is committed to the queue.
   */
  async accept(functionName: string, qualifier: string | undefined, payload: Buffer): Promise<string> {
    if (payload.length > MAX_EVENT_PAYLOAD_BYTES) {
      // AWS's words, which the Lambda API answers as they are
      throw new SkyscaleError('EventPayloadTooLarge', `${payload.length} byte payload is too large for the Event invocation type (limit ${MAX_EVENT_PAYLOAD_BYTES} bytes)`);
    }
    this.functions.resolve(functionName, qualifier);
    const id = randomUUID();
    await this.intake.accept({ id, functionName, qualifier: qualifier ?? null, payload, acceptedAt: new Date().toISOString() });
    return id;
  }

  get(id: string): AsyncInvocationView | undefined {
    const e = this.table.get(id);
    if (!e) return undefined;
    const { payload, ...rest } = e;
    const deliveries = this.deliveries.forEvent(id).map(({ payload: _p, record: _r, ...d }) => d);
    return { event: { ...rest, payloadBytes: payload.length }, attempts: this.table.attempts(id), deliveries };
  }

  /** Deletes events that finished before `cutoff` (ISO 8601), with their attempts, a batch at a time. */
  prune(cutoff: string): number {
    let total = 0;
    for (let n = -1; n !== 0; total += n) n = this.table.deleteFinishedBefore(cutoff, 1000);
    return total + this.deliveries.deleteFinishedBefore(cutoff);
  }

  /** Deletes dead letters written before `cutoff` (ISO 8601). */
  pruneDeadLetters(cutoff: string): number {
    return this.deliveries.deleteDeadLettersBefore(cutoff);
  }

  /** Events per state. */
  counts(): ReturnType<AsyncEventsTable['counts']> {
    return this.table.counts();
  }
}

export interface AsyncQueue {
  invocations: AsyncInvocations;
  dispatcher: AsyncDispatcher;
  deliverer: Deliverer;
  intake: EventIntake;
  /** resumes what the last run left, then drains */
  start(): void;
  /** commits what is accepted, stops claiming (attempts under way resume on the next start) */
  close(): void;
}

export function createAsyncQueue(o: {
  db: Db;
  functions: FunctionCheck;
  runner: EventRunner;
  capacity: () => { inFlight: number; queued: number; nodeLimit: number };
  settings: AsyncQueueSettings;
  log: Logger;
  now?: () => number;
  /** where webhook records are sent through (default: under the egress policy with no allow entry) */
  webhooks?: WebhookSender;
}): AsyncQueue {
  const table = new AsyncEventsTable(o.db);
  const configs = new EventInvokeConfigs(new EventInvokeConfigsTable(o.db), o.functions);
  const deliveries = new DeliveriesTable(o.db);
  // bound below: the deliverer queues function destinations' records through the intake
  let accept: (name: string, qualifier: string | undefined, payload: Buffer) => Promise<string> = () => Promise.reject(new Error('not started'));
  const deliverer = new Deliverer({
    table: deliveries, functions: o.functions, accept: (n, q, p) => accept(n, q, p),
    webhooks: o.webhooks ?? new PolicedWebhookSender({ policy: new EgressPolicy([], hostWalls()), timeoutMs: o.settings.webhookTimeoutMs }),
    webhookAttempts: o.settings.webhookAttempts, retryBaseMs: o.settings.asyncRetryBaseMs, concurrency: 4, log: o.log, ...(o.now ? { now: o.now } : {}),
  });
  const dispatcher = new AsyncDispatcher({
    table, settingsFor: (name, qualifier) => configs.settingsFor(name, qualifier), runner: o.runner, capacity: o.capacity,
    concurrency: o.settings.asyncConcurrency, retryBaseMs: o.settings.asyncRetryBaseMs, log: o.log, ...(o.now ? { now: o.now } : {}),
    onFollowUps: () => deliverer.wake(),
  });
  const intake = new EventIntake({ store: table, windowMs: o.settings.asyncCommitWindowMs, maxGroup: 512, onCommitted: () => dispatcher.wake() });
  let invocations: AsyncInvocations;
  const deadLetters = new DeadLetters(deliveries, o.functions, (n, q, p) => invocations.accept(n, q, p));
  invocations = new AsyncInvocations(table, intake, configs, o.functions, deliveries, deadLetters);
  accept = (n, q, p) => invocations.accept(n, q, p);
  return {
    invocations, dispatcher, deliverer, intake,
    start() {
      dispatcher.start();
      deliverer.start();
    },
    close() {
      intake.close();
      dispatcher.close();
      deliverer.close();
    },
  };
}
