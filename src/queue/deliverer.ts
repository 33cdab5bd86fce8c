// Sends destination records: each delivery is its own durable queue item, so a slow or
// dead webhook never holds up the queue of events. A function destination gets the
// record as an asynchronous invocation of its own (through the intake); a webhook gets
// it as a POST under the egress policy, retried with backoff (base, twice, four times…)
// and dead-lettered after its last attempt. A destination function deleted since it was
// configured, a record over the Event limit, or a webhook the policy refuses is
// dead-lettered at once, with the reason.
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import { parseDestination, type Delivery } from '../model/destinations.js';
import type { DeliveriesTable } from '../store/deliveries-table.js';
import type { FunctionCheck } from './event-configs.js';
import { WebhookError, type WebhookSender } from './webhook.js';

export interface DelivererOptions {
  table: Pick<DeliveriesTable, 'claim' | 'delivered' | 'retry' | 'giveUp' | 'resumeInterrupted' | 'nextDueAt'>;
  functions: FunctionCheck;
  /** queues an asynchronous invocation (the intake); resolves with its request id once committed */
  accept: (functionName: string, qualifier: string | undefined, payload: Buffer) => Promise<string>;
  webhooks: WebhookSender;
  /** attempts of a webhook delivery before it is dead-lettered */
  webhookAttempts: number;
  /** the wait after the first failed webhook attempt; each next one waits twice as long */
  retryBaseMs: number;
  /** deliveries under way at once at most */
  concurrency: number;
  log: Logger;
  now?: () => number;
}

export class Deliverer {
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private woken = false;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly o: DelivererOptions) {
    this.now = o.now ?? Date.now;
  }

  start(): void {
    const resumed = this.o.table.resumeInterrupted(this.iso());
    if (resumed) this.o.log.info({ deliveries: resumed }, 'destination deliveries interrupted by the last stop are due again');
    this.pump();
  }

  wake(): void {
    if (this.woken || this.closed) return;
    this.woken = true;
    setImmediate(() => {
      this.woken = false;
      this.pump();
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  get inFlight(): number {
    return this.running;
  }

  private pump(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let claimed: Delivery[] = [];
    try {
      claimed = this.o.table.claim(this.iso(), this.o.concurrency - this.running);
    } catch (err) {
      this.o.log.error({ err }, 'destination deliveries could not be claimed; will try again');
    }
    for (const d of claimed) void this.deliver(d);
    const next = this.o.table.nextDueAt();
    if (next === null) return;
    const wait = Date.parse(next) - this.now();
    this.timer = setTimeout(() => this.pump(), wait > 0 ? Math.min(wait, 60_000) : (this.running >= this.o.concurrency ? 60_000 : 100));
    this.timer.unref();
  }

  private async deliver(d: Delivery): Promise<void> {
    this.running++;
    try {
      const result = await this.send(d);
      if (this.closed) return;
      const now = this.iso();
      if (result === 'ok') {
        this.o.table.delivered(d.id, now);
      } else if (!result.retryable || d.attempts >= this.o.webhookAttempts) {
        const reason = result.retryable ? `the destination ${d.destination} failed ${d.attempts} time${d.attempts > 1 ? 's' : ''}; the last: ${result.error}` : result.error;
        this.o.table.giveUp(d, reason, now);
        this.o.log.warn({ requestId: d.eventId, function: d.functionName, destination: d.destination, reason }, 'a destination delivery was dead-lettered');
      } else {
        this.o.table.retry(d.id, result.error, new Date(this.now() + this.o.retryBaseMs * 2 ** (d.attempts - 1)).toISOString());
      }
    } catch (err) {
      this.o.log.error({ err, delivery: d.id }, 'a destination delivery could not be recorded; it is sent again after a restart');
    } finally {
      this.running--;
      this.wake();
    }
  }

  private async send(d: Delivery): Promise<'ok' | { error: string; retryable: boolean }> {
    const target = parseDestination(d.destination);
    if (typeof target === 'string') return { error: target, retryable: false };
    if (target.kind === 'function') {
      try {
        this.o.functions.resolve(target.name, target.qualifier ?? undefined);
      } catch (err) {
        return { error: `the destination function ${target.name}${target.qualifier ? `:${target.qualifier}` : ''} does not exist any more (${(err as Error).message})`, retryable: false };
      }
      try {
        const id = await this.o.accept(target.name, target.qualifier ?? undefined, Buffer.from(d.record));
        this.o.log.info({ requestId: d.eventId, destination: d.destination, destinationRequestId: id }, 'destination record queued');
        return 'ok';
      } catch (err) {
        const retryable = !(err instanceof SkyscaleError) || err.status >= 500;
        return { error: `the destination function ${target.name} did not take the record: ${(err as Error).message}`, retryable };
      }
    }
    try {
      await this.o.webhooks.post(target.url, d.record);
      return 'ok';
    } catch (err) {
      return { error: (err as Error).message, retryable: err instanceof WebhookError ? err.retryable : true };
    }
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
