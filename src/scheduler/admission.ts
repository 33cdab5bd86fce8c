// Admission control: how many invocations run at once, node-wide and per function
// (reserved concurrency). Past a limit a request waits in a bounded queue; when a slot
// frees, waiting functions are served round-robin so one busy function cannot starve
// the others; a request that waits too long, or finds the queue full, gets
// TooManyRequests. Nothing piles up without bound.
import { SkyscaleError } from '../errors.js';

export interface AdmissionOptions {
  /** invocations running at once on this node (each holds one sandbox) */
  nodeLimit: number;
  queueWaitMs: number;
  maxQueued: number;
  /** a function's reserved concurrency, or null for none */
  limitFor: (functionName: string) => number | null;
}

interface Waiter {
  functionName: string;
  admit: () => void;
  timer: NodeJS.Timeout;
}

export class Admission {
  private inFlight = 0;
  private readonly running = new Map<string, number>();
  private readonly queues = new Map<string, Waiter[]>();
  /** functions with waiters, in round-robin order */
  private ring: string[] = [];
  private queued = 0;

  constructor(private readonly o: AdmissionOptions) {}

  /** Resolves once the invocation may run; the caller must call release() after. */
  admit(functionName: string): Promise<void> {
    const limit = this.o.limitFor(functionName);
    if (limit === 0) {
      return Promise.reject(new SkyscaleError('TooManyRequests', `function "${functionName}" has a reserved concurrency of 0, so it is throttled`, { hint: 'raise or remove its concurrency limit' }));
    }
    if (!this.queues.has(functionName) && this.canRun(functionName)) {
      this.take(functionName);
      return Promise.resolve();
    }
    if (this.queued >= this.o.maxQueued) return Promise.reject(this.tooMany(functionName, 'the wait queue is full'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        functionName,
        admit: resolve,
        timer: setTimeout(() => {
          this.dequeue(waiter);
          reject(this.tooMany(functionName, `no slot freed within ${this.o.queueWaitMs} ms`));
        }, this.o.queueWaitMs),
      };
      const q = this.queues.get(functionName);
      if (q) q.push(waiter);
      else {
        this.queues.set(functionName, [waiter]);
        this.ring.push(functionName);
      }
      this.queued++;
    });
  }

  release(functionName: string): void {
    this.inFlight--;
    const n = (this.running.get(functionName) ?? 1) - 1;
    if (n > 0) this.running.set(functionName, n);
    else this.running.delete(functionName);
    this.dispatch();
  }

  stats(): { inFlight: number; queued: number; nodeLimit: number } {
    return { inFlight: this.inFlight, queued: this.queued, nodeLimit: this.o.nodeLimit };
  }

  private canRun(functionName: string): boolean {
    if (this.inFlight >= this.o.nodeLimit) return false;
    const limit = this.o.limitFor(functionName);
    return limit === null || (this.running.get(functionName) ?? 0) < limit;
  }

  private take(functionName: string): void {
    this.inFlight++;
    this.running.set(functionName, (this.running.get(functionName) ?? 0) + 1);
  }

  /** Admits waiters round-robin across functions while slots are free. */
  private dispatch(): void {
    let progressed = true;
    while (progressed && this.ring.length && this.inFlight < this.o.nodeLimit) {
      progressed = false;
      for (const fn of [...this.ring]) {
        if (!this.canRun(fn)) continue;
        const waiter = this.queues.get(fn)![0]!;
        this.dequeue(waiter);
        clearTimeout(waiter.timer);
        this.take(fn);
        waiter.admit();
        progressed = true;
        if (this.inFlight >= this.o.nodeLimit) break;
      }
    }
  }

  private dequeue(waiter: Waiter): void {
    const q = this.queues.get(waiter.functionName);
    const i = q?.indexOf(waiter) ?? -1;
    if (!q || i === -1) return;
    q.splice(i, 1);
    this.queued--;
    if (!q.length) {
      this.queues.delete(waiter.functionName);
      this.ring = this.ring.filter((f) => f !== waiter.functionName);
    } else if (this.ring[0] === waiter.functionName) {
      // served: move this function to the back of the ring
      this.ring.push(this.ring.shift()!);
    }
  }

  private tooMany(functionName: string, why: string): SkyscaleError {
    const limit = this.o.limitFor(functionName);
    const what = limit !== null && (this.running.get(functionName) ?? 0) >= limit
      ? `function "${functionName}" is at its concurrency limit (${limit})`
      : `this node is running its maximum of ${this.o.nodeLimit} invocations`;
    return new SkyscaleError('TooManyRequests', `${what}: ${why}`, { hint: 'retry with backoff, or raise the limit', details: { retryAfterSeconds: 1 } });
  }
}
