// One sandbox bound to one function version, serving one invocation at a time, and the
// lease through which a caller uses it: a lease invokes, then releases the instance
// exactly once, kept for the next call when the invocation ended in a way the runtime
// survives (a result or a handler error), retired otherwise (timeout, crash, refusal).
import type { VersionRecord } from '../model/function.js';
import type { InstanceSummary } from '../model/node-status.js';
import type { InitResult, InvokeRequest, InvokeResult, LogChunk } from '../sandbox/agent-channel.js';
import type { Sandbox } from '../sandbox/driver.js';
import { initRequestFor } from '../sandbox/init-request.js';

export type InstanceState = 'idle' | 'busy' | 'stopping';

export class Instance {
  private current: InstanceState = 'busy';
  lastUsedAt = Date.now();
  busySince = Date.now();
  readonly createdAt = Date.now();
  private served = 0;
  private loadMs: number | null = null;
  private peakRssKb: number | null = null;

  constructor(
    readonly key: string,
    readonly functionName: string,
    readonly version: number,
    readonly sandbox: Sandbox,
    /** the version's memory limit: what the instance counts for in the node's memory budget */
    readonly memoryMb: number,
  ) {}

  get id(): string {
    return this.sandbox.id;
  }

  get state(): InstanceState {
    return this.current;
  }

  /** the runtime's own peak RSS over the invocations so far, as its agent reported it */
  get maxRssKb(): number | null {
    return this.peakRssKb;
  }

  /** the sandbox's channel is closed: it can serve nothing more */
  get isGone(): boolean {
    return this.sandbox.channel.isClosed;
  }

  /** Loads the version's code: the agent unpacks it and the runtime imports the handler. */
  async init(v: VersionRecord, code: Buffer, secretEnv: Record<string, string> = {}): Promise<InitResult> {
    const result = await this.sandbox.channel.init(initRequestFor(v, this.id, secretEnv), code, v.timeoutS * 1000 + 2000);
    this.loadMs = result.initMs;
    return result;
  }

  async invoke(req: InvokeRequest, event: Buffer, backstopMs: number, onLog?: (chunk: LogChunk) => void): Promise<InvokeResult> {
    try {
      const result = await this.sandbox.channel.invoke(req, event, backstopMs, onLog);
      if (result.maxRssKb !== null) this.peakRssKb = Math.max(this.peakRssKb ?? 0, result.maxRssKb);
      return result;
    } finally {
      this.served++;
    }
  }

  markBusy(now = Date.now()): void {
    if (this.current === 'stopping') throw new Error(`instance ${this.id} is stopping and cannot serve`);
    this.current = 'busy';
    this.busySince = now;
  }

  markIdle(now = Date.now()): void {
    this.current = 'idle';
    this.lastUsedAt = now;
  }

  /** false when it was already stopping */
  markStopping(): boolean {
    if (this.current === 'stopping') return false;
    this.current = 'stopping';
    return true;
  }

  describe(now = Date.now()): Omit<InstanceSummary, 'memoryKb'> {
    return {
      id: this.id, pid: this.sandbox.pid ?? null, function: this.functionName, version: this.version, state: this.current,
      frozen: this.sandbox.frozen, ageMs: now - this.createdAt, idleMs: this.current === 'idle' ? now - this.lastUsedAt : 0,
      invocations: this.served, initMs: this.loadMs, maxRssKb: this.peakRssKb,
    };
  }
}

/** How a lease ends: the instance kept for the next call, or retired with a reason. */
export type LeaseEnd = { keep: true } | { keep: false; reason: string };

export class Lease {
  private ending: LeaseEnd = { keep: true };
  private retired: string | null = null;
  private released = false;

  constructor(readonly instance: Instance, private readonly onRelease: (instance: Instance, end: LeaseEnd) => void) {}

  async invoke(req: InvokeRequest, event: Buffer, backstopMs: number, onLog?: (chunk: LogChunk) => void): Promise<InvokeResult> {
    this.ending = { keep: false, reason: 'the invocation did not complete' };
    const result = await this.instance.invoke(req, event, backstopMs, onLog);
    this.ending = result.status === 'ok' || result.status === 'error' ? { keep: true } : { keep: false, reason: `the invocation ended with ${result.status}` };
    return result;
  }

  /** The instance must not serve again (its init failed, say), whatever happens next. */
  retire(reason: string): void {
    this.retired = reason;
  }

  /** Hands the instance back; only the first call counts. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease(this.instance, this.retired === null ? this.ending : { keep: false, reason: this.retired });
  }
}
