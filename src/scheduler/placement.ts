// Placement: where an admitted invocation runs. An idle instance of its version (warm
// start), else a cold start (code loaded into a pre-warmed sandbox, or a sandbox booted
// for it), with judgement: when every instance of the version is busy but one will
// likely free up sooner than a cold start would take, wait for it; when the version's
// calls are short and it already has two instances per core, queue for the next free
// one (more sandboxes than the cores can keep busy only add contention); cold starts
// only in a free slot of the starter's. The caller gets a lease; when it is released,
// the instance goes to a caller waiting for its version, back to the pool, or away. An
// idle instance that was frozen is thawed before its lease is handed out, so the
// invocation's deadline starts after the thaw; one that is not frozen costs no check
// beyond a flag. A cold start the node's memory budget cannot hold (every sandbox busy,
// nothing idle to evict) waits for room — a sandbox stopped, or an instance gone idle
// and so evictable — or for an instance of its own version, at most the admission
// wait; then it is answered NodeMemoryFull (429).
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import type { VersionRecord } from '../model/function.js';
import type { InvocationStart } from '../model/invocation.js';
import { Lease, type Instance, type LeaseEnd } from '../pool/instance.js';
import { InstancePool } from '../pool/instance-pool.js';
import type { InstanceStarter } from '../pool/instance-starter.js';
import type { SandboxBudget } from '../pool/sandbox-budget.js';
import type { InitResult } from '../sandbox/agent-channel.js';

export interface PlacementOptions {
  instances: InstancePool;
  starter: InstanceStarter;
  readCode: (v: VersionRecord) => Promise<Buffer>;
  log: Logger;
  /** the cold-start slots (the core count): a short-call version stops at two instances per slot */
  maxColdStarts: number;
  /** the node's budget: its freed signal wakes the starts waiting for memory */
  budget: SandboxBudget;
  /** the longest a cold start waits for memory in the budget before NodeMemoryFull */
  roomWaitMs: number;
}

export interface Placed {
  lease: Lease;
  start: InvocationStart;
  /** the cold start's init (null for a warm start); when not ok the lease is already retired */
  init: InitResult | null;
}

/** What placement has learnt about one version: how many calls run and how long they take. */
interface VersionStats {
  busy: number;
  avgBusyMs: number;
}

/** A caller waiting for an instance of its version to be released (or for a cold-start slot). */
interface Waiter {
  /** an instance handed over, or null: stop waiting (timed out, a cold-start slot freed, or room in the budget) */
  settle: (instance: Instance | null) => void;
}

/** Weight of the newest sample in the moving average of call time. */
const EWMA = 0.2;

export class Placement {
  private readonly stats = new Map<string, VersionStats>();
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly slotWaiters: Waiter[] = [];
  private readonly roomWaiters: Waiter[] = [];
  private closed = false;

  constructor(private readonly o: PlacementOptions) {
    // forget what was learnt about a version once nothing of it is left
    o.instances.onEmptied((key) => {
      if (!this.waiters.has(key) && this.stats.get(key)?.busy === 0) this.stats.delete(key);
    });
    // an instance that became idle elsewhere (a provisioned start) goes to a waiting caller
    o.instances.onIdle((key) => {
      const waiter = this.waiters.get(key)?.[0];
      const instance = waiter && o.instances.takeIdle(key);
      if (waiter && instance) return waiter.settle(instance);
      // an idle instance can be evicted: room for a start waiting for memory
      this.wakeAll(this.roomWaiters);
    });
    o.budget.onFreed(() => this.wakeAll(this.roomWaiters));
    // a cold start ended: a slot is free
    o.starter.onSettled(() => this.wakeAll(this.slotWaiters));
  }

  async acquire(v: VersionRecord): Promise<Placed> {
    const key = InstancePool.key(v);
    let roomDeadline: number | null = null;
    for (;;) {
      if (this.closed) throw new SkyscaleError('ServerUnavailable', 'the server is shutting down');
      const warm = this.o.instances.takeIdle(key);
      if (warm) {
        if (warm.sandbox.frozen && !(await this.o.instances.thaw(warm))) continue;
        return this.warm(warm);
      }
      if (this.enoughForShortCalls(key)) {
        const handed = await this.wait(key, 1000, null);
        if (handed) return this.warm(handed);
        continue;
      }
      if (this.o.starter.hasSlot()) {
        const waitMs = this.worthWaitingMs(key, v);
        const handed = waitMs > 0 ? await this.wait(key, waitMs, null) : null;
        if (handed) return this.warm(handed);
        if (this.o.starter.hasSlot()) {
          try {
            return await this.coldStart(v);
          } catch (err) {
            if (!(err instanceof SkyscaleError) || err.type !== 'NodeMemoryFull') throw err;
            roomDeadline ??= Date.now() + this.o.roomWaitMs;
            const left = roomDeadline - Date.now();
            if (left <= 0) throw err;
            const freed = await this.wait(key, Math.min(left, 1000), this.roomWaiters);
            if (freed) return this.warm(freed);
            continue;
          }
        }
      }
      // Enough cold starts are under way: take the first instance of this version that
      // frees up, or the next cold-start slot, whichever comes first.
      const handed = await this.wait(key, 1000, this.slotWaiters);
      if (handed) return this.warm(handed);
    }
  }

  shutdown(): void {
    this.closed = true;
  }

  private warm(instance: Instance): Placed {
    return { lease: this.lease(instance), start: 'warm', init: null };
  }

  private async coldStart(v: VersionRecord): Promise<Placed> {
    const started = await this.o.starter.start(v, this.o.readCode(v));
    // The lease is the one owner of the instance from here: a failed init retires it on release.
    const lease = this.lease(started.instance);
    if (!started.init.ok) lease.retire('init failed');
    return { lease, start: started.from, init: started.init };
  }

  private lease(instance: Instance): Lease {
    instance.markBusy();
    this.statsOf(instance.key).busy++;
    return new Lease(instance, (inst, end) => this.released(inst, end));
  }

  /** A lease ended: hand the instance to a caller waiting for its version, or back to the pool, or retire it. */
  private released(instance: Instance, end: LeaseEnd): void {
    const st = this.statsOf(instance.key);
    st.busy--;
    if (!end.keep) return this.o.instances.discard(instance, end.reason);
    // only calls that completed teach how long the version's calls take
    st.avgBusyMs += EWMA * (Date.now() - instance.busySince - st.avgBusyMs);
    if (instance.isGone || this.closed) return this.o.instances.discard(instance, 'its sandbox is gone');
    const waiter = this.waiters.get(instance.key)?.[0];
    if (waiter) return waiter.settle(instance); // stays busy: its next lease starts at once
    this.o.instances.putIdle(instance);
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
    const cold = this.o.starter.expectedMs(v.runtime, v.memoryMb, v.network);
    return expected < cold ? Math.max(cold, 5) : 0;
  }

  /**
   * A version whose calls are shorter than a cold start already has two instances per
   * core (maxColdStarts is the core count): enough to keep the CPU busy.
   */
  private enoughForShortCalls(key: string): boolean {
    const st = this.stats.get(key);
    if (!st || st.avgBusyMs === 0 || st.avgBusyMs >= this.o.starter.poolMs) return false;
    return this.o.instances.countOf(key) >= 2 * this.o.maxColdStarts;
  }

  /** Waits for an instance of `key` (and, with `also`, for what wakes that list: a slot, room) at most `ms`. */
  private wait(key: string, ms: number, also: Waiter[] | null): Promise<Instance | null> {
    return new Promise((resolve) => {
      const list = this.waiters.get(key) ?? [];
      this.waiters.set(key, list);
      const timer = setTimeout(() => waiter.settle(null), ms);
      const waiter: Waiter = {
        settle: (instance) => {
          clearTimeout(timer);
          const i = list.indexOf(waiter);
          if (i !== -1) list.splice(i, 1);
          if (!list.length && this.waiters.get(key) === list) this.waiters.delete(key);
          const j = also?.indexOf(waiter) ?? -1;
          if (also && j !== -1) also.splice(j, 1);
          resolve(instance);
        },
      };
      list.push(waiter);
      also?.push(waiter);
    });
  }

  /** Wakes every waiter of the list: whoever does not need the wake-up must not leave the others asleep until their timer. */
  private wakeAll(list: Waiter[]): void {
    for (const w of [...list]) w.settle(null);
  }

  private statsOf(key: string): VersionStats {
    let st = this.stats.get(key);
    if (!st) {
      st = { busy: 0, avgBusyMs: 0 };
      this.stats.set(key, st);
    }
    return st;
  }
}
