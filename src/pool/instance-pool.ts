// Warm instances per function version, on top of the generic pool. acquire() hands
// out an idle instance of the version (warm start), else loads the code into a
// pre-warmed generic sandbox (cold start, no boot), else boots a sandbox (cold start
// with boot). release() puts an instance back; discard() stops it in the background.
// The scheduler admits at most `maxSandboxes` invocations, so when the node's sandbox
// budget is spent an idle instance or a pooled sandbox can always be evicted; acquire()
// only waits for a cold-start slot (at most `maxColdStarts` at once) or for a busy
// instance of the version that will free up sooner than a cold start would take.
// Idle instances are reaped after the idle TTL (scale to zero).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { InitRequest, InitResult } from '../sandbox/agent-channel.js';
import type { Sandbox, SandboxDriver } from '../sandbox/driver.js';
import { ChannelClosedError } from '../sandbox/agent-channel.js';
import type { VersionRecord } from '../model/function.js';
import { SkyscaleError } from '../errors.js';
import type { InstanceSummary } from '../model/node-status.js';
import type { GenericPool } from './generic-pool.js';
import { Instance } from './instance.js';

export interface PoolOptions {
  driver: SandboxDriver;
  generic: GenericPool;
  log: Logger;
  maxSandboxes: number;
  /** cold starts at once; more only contend for the CPU (default: the core count) */
  maxColdStarts: number;
  idleTtlMs: number;
  readCode: (v: VersionRecord) => Promise<Buffer>;
  initRequest: (v: VersionRecord, instanceId: string) => InitRequest;
}

/** What the pool has learnt about one function version: how long calls take, how many run. */
interface KeyStats {
  busy: number;
  avgBusyMs: number;
}

/** A caller waiting for an instance of its version to be released (or for a cold-start slot). */
interface Waiter {
  key: string;
  /** an instance handed over, or null: stop waiting (timed out, or a cold-start slot freed) */
  settle: (instance: Instance | null) => void;
}

/** Weight of the newest sample in the moving averages. */
const EWMA = 0.2;

export type Acquired =
  | { kind: 'warm'; instance: Instance }
  | { kind: 'cold'; instance: Instance; init: InitResult; pooled: boolean };

export class InstancePool {
  private readonly idle = new Map<string, Instance[]>();
  private readonly all = new Set<Instance>();
  private starting = 0;
  private readonly stats = new Map<string, KeyStats>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly slotWaiters: Waiter[] = [];
  private coldInFlight = 0;
  /** provisioned concurrency: instances per version key that are kept, idle or not */
  private minimums = new Map<string, number>();
  /** moving averages of what a cold start costs, from the pool and with a boot */
  private coldMs = { pool: 30, boot: 300 };
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
    for (;;) {
      if (this.closed) throw new SkyscaleError('ServerUnavailable', 'the server is shutting down');
      const warm = this.takeIdle(key);
      if (warm) return this.busy({ kind: 'warm', instance: warm });
      if (this.enoughForShortCalls(key)) {
        // Short calls are bound by the CPU, not by instances: more sandboxes than the
        // cores can keep busy only add contention. Queue for the next free one.
        const handed = await this.wait(key, 1000, false);
        if (handed) return this.busy({ kind: 'warm', instance: handed });
        continue;
      }
      if (this.coldInFlight < this.o.maxColdStarts) {
        const waitMs = this.worthWaitingMs(key, v);
        const handed = waitMs > 0 ? await this.wait(key, waitMs, false) : null;
        if (handed) return this.busy({ kind: 'warm', instance: handed });
        if (this.coldInFlight < this.o.maxColdStarts) return this.busy(await this.coldStart(v));
      }
      // Enough cold starts are under way: take the first instance of this version that
      // frees up, or the next cold-start slot, whichever comes first.
      const handed = await this.wait(key, 1000, true);
      if (handed) return this.busy({ kind: 'warm', instance: handed });
    }
  }

  private async coldStart(v: VersionRecord): Promise<Acquired> {
    this.coldInFlight++;
    const t = Date.now();
    try {
      const cold = await this.startCold(v);
      if (cold.kind === 'cold' && cold.init.ok) {
        const which = cold.pooled ? 'pool' : 'boot';
        this.coldMs[which] += EWMA * (Date.now() - t - this.coldMs[which]);
      }
      return cold;
    } finally {
      this.coldInFlight--;
      // Wake every caller waiting for a slot: whoever does not need it (it found an
      // idle instance meanwhile) must not leave the others asleep until their timer.
      for (const w of [...this.slotWaiters]) w.settle(null);
    }
  }

  release(instance: Instance): void {
    if (instance.state !== 'busy') return;
    const st = this.statsOf(instance.key);
    this.uncount(instance);
    st.avgBusyMs += EWMA * (Date.now() - instance.busySince - st.avgBusyMs);
    if (instance.sandbox.channel.isClosed || this.closed) return this.discard(instance, 'its sandbox is gone');
    // A caller waiting for this version gets the instance straight away.
    const waiter = this.waiters.get(instance.key)?.[0];
    if (waiter) {
      instance.lastUsedAt = Date.now();
      this.statsOf(instance.key).busy++;
      instance.counted = true;
      waiter.settle(instance);
      return;
    }
    instance.state = 'idle';
    instance.lastUsedAt = Date.now();
    const list = this.idle.get(instance.key) ?? [];
    list.push(instance);
    this.idle.set(instance.key, list);
  }

  discard(instance: Instance, reason: string): void {
    if (instance.state === 'stopping') return;
    this.uncount(instance);
    this.removeIdle(instance);
    instance.state = 'stopping';
    this.o.log.debug({ instance: instance.id, function: instance.functionName, reason }, 'stopping instance');
    void instance.sandbox.stop().catch((err: Error) => this.o.log.warn({ err: err.message, instance: instance.id }, 'stopping a sandbox failed')).finally(() => {
      this.all.delete(instance);
      // forget what was learnt about a version once nothing of it is left
      if (this.countOf(instance.key) === 0 && !this.waiters.has(instance.key) && this.stats.get(instance.key)?.busy === 0) this.stats.delete(instance.key);
      this.o.generic.refill();
    });
  }

  /** Stops the idle instances of a function except those of the versions to keep. */
  drain(functionName: string, keep: Set<number>): void {
    for (const inst of [...this.all]) {
      if (inst.functionName === functionName && !keep.has(inst.version) && inst.state === 'idle') this.discard(inst, 'a newer version was deployed');
    }
  }

  list(): Omit<InstanceSummary, 'memoryKb'>[] {
    return [...this.all].map((i) => i.describe());
  }

  /** Sandboxes running or starting for instances, not counting those being torn down. */
  occupied(): number {
    let n = this.starting;
    for (const inst of this.all) if (inst.state !== 'stopping') n++;
    return n;
  }

  /** May one more sandbox start without passing the node's budget? */
  hasRoom(): boolean {
    return this.occupied() + this.o.generic.size < this.o.maxSandboxes;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    await Promise.all([...this.all].map((i) => i.sandbox.stop()));
    this.all.clear();
    this.idle.clear();
  }

  /**
   * Provisioned concurrency: brings each version up to its minimum of instances
   * (started and initialised, then left idle), one cold start at a time per call and
   * only while the node has room. Called periodically.
   */
  async maintain(targets: { version: VersionRecord; minWarm: number }[]): Promise<void> {
    this.minimums = new Map(targets.map((t) => [InstancePool.key(t.version), t.minWarm]));
    for (const { version, minWarm } of targets) {
      const have = this.countOf(InstancePool.key(version));
      if (this.closed || have >= minWarm || !this.hasRoom() || this.coldInFlight >= this.o.maxColdStarts) continue;
      try {
        const cold = this.busy(await this.coldStart(version));
        if (cold.kind === 'cold' && cold.init.ok) this.release(cold.instance);
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message, function: version.functionName }, 'starting a provisioned instance failed');
      }
    }
  }

  private countOf(key: string): number {
    let n = 0;
    for (const inst of this.all) if (inst.key === key && inst.state !== 'stopping') n++;
    return n;
  }

  reapIdle(now = Date.now()): number {
    let reaped = 0;
    const kept = new Map<string, number>();
    for (const inst of [...this.all]) {
      const min = this.minimums.get(inst.key) ?? 0;
      if (min > 0 && inst.state !== 'stopping') {
        // provisioned instances are never reaped: count them first
        const n = (kept.get(inst.key) ?? 0) + 1;
        kept.set(inst.key, n);
        if (n <= min) continue;
      }
      if (inst.state === 'idle' && now - inst.lastUsedAt >= this.o.idleTtlMs) {
        this.discard(inst, 'idle TTL passed');
        reaped++;
      }
    }
    return reaped;
  }

  /**
   * Scale-out with judgement: when every instance of the version is busy, but one will
   * likely free up sooner than a cold start would take (short calls, a few queued
   * behind them), wait for it instead of starting another sandbox. Long-running
   * functions scale out at once, as on Lambda. Returns how long to wait, 0 for none.
   */
  private worthWaitingMs(key: string, v: VersionRecord): number {
    const st = this.stats.get(key);
    if (!st || st.busy === 0) return 0;
    const queued = this.waiters.get(key)?.length ?? 0;
    const expected = (st.avgBusyMs * (queued + 1)) / st.busy;
    const cold = this.o.generic.readyCount(v.runtime, v.memoryMb) > 0 ? this.coldMs.pool : this.coldMs.boot;
    return expected < cold ? Math.max(cold, 5) : 0;
  }

  /**
   * A version whose calls are shorter than a cold start already has two instances per
   * core (maxColdStarts is the core count): enough to keep the CPU busy.
   */
  private enoughForShortCalls(key: string): boolean {
    const st = this.stats.get(key);
    if (!st || st.avgBusyMs === 0 || st.avgBusyMs >= this.coldMs.pool) return false;
    return this.countOf(key) >= 2 * this.o.maxColdStarts;
  }

  /** Waits for an instance of `key` (and, with `forSlot`, for a cold-start slot) at most `ms`. */
  private wait(key: string, ms: number, forSlot: boolean): Promise<Instance | null> {
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      this.waiters.set(key, list);
      const timer = setTimeout(() => waiter.settle(null), ms);
      const waiter: Waiter = {
        key,
        settle: (instance) => {
          clearTimeout(timer);
          const i = list.indexOf(waiter);
          if (i !== -1) list.splice(i, 1);
          if (!list.length && this.waiters.get(key) === list) this.waiters.delete(key);
          const j = this.slotWaiters.indexOf(waiter);
          if (j !== -1) this.slotWaiters.splice(j, 1);
          resolve(instance);
        },
      };
      list.push(waiter);
      if (forSlot) this.slotWaiters.push(waiter);
    });
  }

  private busy<T extends Acquired>(a: T): T {
    a.instance.busySince = Date.now();
    if (a.instance.state === 'busy' && !a.instance.counted) {
      a.instance.counted = true;
      this.statsOf(a.instance.key).busy++;
    }
    return a;
  }

  private uncount(instance: Instance): void {
    if (!instance.counted) return;
    instance.counted = false;
    this.statsOf(instance.key).busy--;
  }

  private statsOf(key: string): KeyStats {
    let st = this.stats.get(key);
    if (!st) {
      st = { busy: 0, avgBusyMs: 0 };
      this.stats.set(key, st);
    }
    return st;
  }

  private async startCold(v: VersionRecord): Promise<Acquired> {
    const pooled = this.o.generic.take(v.runtime, v.memoryMb);
    try {
      return await this.load(v, pooled);
    } catch (err) {
      // A pooled sandbox can die between take() and init: boot one instead of failing.
      if (!pooled || !(err instanceof SkyscaleError) || !(err.cause instanceof ChannelClosedError)) throw err;
      this.o.log.warn({ sandbox: pooled.id, function: v.functionName }, 'a pre-warmed sandbox died before use; booting another');
      return this.load(v, null);
    }
  }

  /** Starts (or takes) a sandbox and loads the version's code into it. */
  private async load(v: VersionRecord, pooled: Sandbox | null): Promise<Acquired> {
    // `starting` covers the sandbox until it is an instance in `all`, so it is never counted twice.
    this.starting++;
    let counted = true;
    let instance: Instance | null = null;
    try {
      if (!pooled) this.makeRoom();
      const id = pooled?.id ?? `sky-${randomUUID()}`;
      const [sandbox, code] = await Promise.all([
        pooled ?? this.o.driver.start({ id, memoryMb: v.memoryMb }).catch((err: unknown) => {
          throw new SkyscaleError('SandboxStartFailed', `could not start a ${this.o.driver.name} sandbox: ${(err as Error).message}`, { cause: err });
        }),
        this.o.readCode(v),
      ]);
      instance = new Instance(InstancePool.key(v), v.functionName, v.version, sandbox);
      instance.state = 'busy';
      this.all.add(instance);
      this.starting--;
      counted = false;
      this.watch(instance);
      const init = await sandbox.channel.init(this.o.initRequest(v, id), code, v.timeoutS * 1000 + 2000);
      instance.initMs = init.initMs;
      if (!init.ok) this.discard(instance, 'init failed');
      return { kind: 'cold', instance, init, pooled: pooled !== null };
    } catch (err) {
      if (instance) this.discard(instance, 'init did not complete');
      else if (pooled) void pooled.stop().catch((e: Error) => this.o.log.warn({ err: e.message }, 'stopping a sandbox failed'));
      if (err instanceof SkyscaleError) throw err;
      throw new SkyscaleError('SandboxStartFailed', `the sandbox failed while loading the function: ${(err as Error).message}`, { cause: err });
    } finally {
      if (counted) this.starting--;
    }
  }

  /** At the budget, stop the least recently used idle instance, else a pooled sandbox. */
  private makeRoom(): void {
    if (this.occupied() + this.o.generic.size <= this.o.maxSandboxes) return;
    let oldest: Instance | null = null;
    for (const inst of this.all) if (inst.state === 'idle' && (!oldest || inst.lastUsedAt < oldest.lastUsedAt)) oldest = inst;
    if (oldest) this.discard(oldest, 'evicted to make room');
    else this.o.generic.evictOne();
  }

  /** A sandbox that dies or whose runtime exits while idle is dropped, not handed out. */
  private watch(instance: Instance): void {
    instance.sandbox.channel.onRuntimeExit(() => {
      if (instance.state === 'idle') this.discard(instance, 'its runtime exited while idle');
    });
    void instance.sandbox.exited.then(() => {
      if (instance.state === 'idle') this.discard(instance, 'its sandbox exited while idle');
    });
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
}
