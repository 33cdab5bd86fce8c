// Warm instances per function version. acquire() hands out an idle instance of the
// version (warm start) or starts a sandbox and loads the code into it (cold start);
// release() puts it back; discard() stops it in the background. The node runs at most
// `maxSandboxes` sandboxes: at the limit an idle instance of another version is
// evicted, else the caller waits (bounded) for one to free up, then gets
// TooManyRequests. Idle instances are reaped after the idle TTL.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import type { InitRequest, InitResult } from '../sandbox/agent-channel.js';
import type { SandboxDriver } from '../sandbox/driver.js';
import type { VersionRecord } from '../registry/types.js';
import { Instance } from './instance.js';

export interface PoolOptions {
  driver: SandboxDriver;
  log: Logger;
  maxSandboxes: number;
  idleTtlMs: number;
  queueWaitMs: number;
  readCode: (v: VersionRecord) => Promise<Buffer>;
  initRequest: (v: VersionRecord, instanceId: string) => InitRequest;
}

export type Acquired =
  | { kind: 'warm'; instance: Instance }
  | { kind: 'cold'; instance: Instance; init: InitResult };

interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export class InstancePool {
  private readonly idle = new Map<string, Instance[]>();
  private readonly all = new Set<Instance>();
  private readonly waiters: Waiter[] = [];
  private starting = 0;
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: PoolOptions) {
    this.reaper = setInterval(() => this.reapIdle(), Math.min(30_000, Math.max(250, o.idleTtlMs / 4)));
    this.reaper.unref();
  }

  static key(v: VersionRecord): string {
    return `${v.functionName}:${v.version}:${v.codeSha256}`;
  }

  async acquire(v: VersionRecord): Promise<Acquired> {
    const key = InstancePool.key(v);
    const deadline = Date.now() + this.o.queueWaitMs;
    for (;;) {
      if (this.closed) throw new SkyscaleError('ServerUnavailable', 'the server is shutting down');
      const warm = this.takeIdle(key);
      if (warm) return { kind: 'warm', instance: warm };
      if (this.occupied() < this.o.maxSandboxes || this.evictOneIdle()) return this.startCold(v, key);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new SkyscaleError('TooManyRequests', `all ${this.o.maxSandboxes} sandboxes of this node are busy`, { hint: 'retry later, or raise SKYSCALE_MAX_SANDBOXES' });
      }
      await this.waitForCapacity(left);
    }
  }

  release(instance: Instance): void {
    if (instance.state !== 'busy') return;
    if (instance.sandbox.channel.isClosed || this.closed) return this.discard(instance, 'its sandbox is gone');
    instance.state = 'idle';
    instance.lastUsedAt = Date.now();
    const list = this.idle.get(instance.key) ?? [];
    list.push(instance);
    this.idle.set(instance.key, list);
    this.wakeOne();
  }

  discard(instance: Instance, reason: string): void {
    if (instance.state === 'stopping') return;
    this.removeIdle(instance);
    instance.state = 'stopping';
    this.o.log.debug({ instance: instance.id, function: instance.functionName, reason }, 'stopping instance');
    void instance.sandbox.stop().finally(() => {
      this.all.delete(instance);
      this.wakeOne();
    });
  }

  /** Stops the idle instances of a function except those of `keepVersion`. */
  drain(functionName: string, keepVersion?: number): void {
    for (const inst of [...this.all]) {
      if (inst.functionName === functionName && inst.version !== keepVersion && inst.state === 'idle') this.discard(inst, 'a newer version was deployed');
    }
  }

  list(): Record<string, unknown>[] {
    return [...this.all].map((i) => i.describe());
  }

  get size(): number {
    return this.all.size;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve();
    }
    await Promise.all([...this.all].map((i) => i.sandbox.stop()));
    this.all.clear();
    this.idle.clear();
  }

  reapIdle(now = Date.now()): number {
    let reaped = 0;
    for (const inst of [...this.all]) {
      if (inst.state === 'idle' && now - inst.lastUsedAt >= this.o.idleTtlMs) {
        this.discard(inst, 'idle TTL passed');
        reaped++;
      }
    }
    return reaped;
  }

  private async startCold(v: VersionRecord, key: string): Promise<Acquired> {
    this.starting++;
    let instance: Instance | null = null;
    try {
      const id = `sky-${randomUUID()}`;
      const [sandbox, code] = await Promise.all([
        this.o.driver.start({ id, memoryMb: v.memoryMb }).catch((err: unknown) => {
          throw new SkyscaleError('SandboxStartFailed', `could not start a ${this.o.driver.name} sandbox: ${(err as Error).message}`, { cause: err });
        }),
        this.o.readCode(v),
      ]);
      instance = new Instance(key, v.functionName, v.version, sandbox);
      instance.state = 'busy';
      this.all.add(instance);
      this.watch(instance);
      const init = await sandbox.channel.init(this.o.initRequest(v, id), code, v.timeoutS * 1000 + 2000);
      instance.initMs = init.initMs;
      if (!init.ok) this.discard(instance, 'init failed');
      return { kind: 'cold', instance, init };
    } catch (err) {
      if (instance) this.discard(instance, 'init did not complete');
      if (err instanceof SkyscaleError) throw err;
      throw new SkyscaleError('SandboxStartFailed', `the sandbox failed while loading the function: ${(err as Error).message}`, { cause: err });
    } finally {
      this.starting--;
    }
  }

  /** A sandbox that dies or whose runtime exits while idle is dropped, not handed out. */
  private watch(instance: Instance): void {
    instance.sandbox.channel.onRuntimeExit(() => {
      if (instance.state === 'idle') this.discard(instance, 'its runtime exited while idle');
    });
    void instance.sandbox.exited.then(() => {
      if (instance.state === 'idle') this.discard(instance, 'its sandbox exited while idle');
      else if (instance.state !== 'busy') this.all.delete(instance);
    });
  }

  /** Sandboxes running or starting, not counting those already being torn down. */
  private occupied(): number {
    let n = this.starting;
    for (const inst of this.all) if (inst.state !== 'stopping') n++;
    return n;
  }

  private takeIdle(key: string): Instance | undefined {
    const list = this.idle.get(key);
    while (list && list.length) {
      const inst = list.pop()!; // most recently used first: keeps the warmest caches in use
      if (inst.sandbox.channel.isClosed) {
        this.discard(inst, 'its sandbox is gone');
        continue;
      }
      inst.state = 'busy';
      return inst;
    }
    return undefined;
  }

  private removeIdle(instance: Instance): void {
    const list = this.idle.get(instance.key);
    if (!list) return;
    const i = list.indexOf(instance);
    if (i !== -1) list.splice(i, 1);
    if (!list.length) this.idle.delete(instance.key);
  }

  private evictOneIdle(): boolean {
    let oldest: Instance | null = null;
    for (const inst of this.all) if (inst.state === 'idle' && (!oldest || inst.lastUsedAt < oldest.lastUsedAt)) oldest = inst;
    if (!oldest) return false;
    this.discard(oldest, 'evicted to make room');
    return true;
  }

  private waitForCapacity(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i !== -1) this.waiters.splice(i, 1);
          resolve();
        }, ms),
      };
      this.waiters.push(waiter);
    });
  }

  private wakeOne(): void {
    const w = this.waiters.shift();
    if (w) {
      clearTimeout(w.timer);
      w.resolve();
    }
  }
}
