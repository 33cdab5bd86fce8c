// The node's instances: sandboxes bound to a function version, busy or idle, kept per
// version (function, number and code). An inventory with no placement policy: it opens
// instances (adopting a pre-warmed sandbox, or booting one within the sandbox budget),
// hands out and takes back idle ones, retires them, drains a function's older versions
// after a deploy, evicts the least recently used idle one when the budget needs room,
// and reaps those idle past the TTL (scale to zero) except a version's provisioned
// minimum. Idle instances may be frozen (IdleFreezer); one handed out frozen is
// thawed before it serves, and frozen ones are reaped and evicted like any other
// (a sandbox thaws itself before it stops).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import type { VersionRecord } from '../model/function.js';
import type { InstanceSummary } from '../model/node-status.js';
import type { Sandbox, SandboxDriver } from '../sandbox/driver.js';
import type { IdleSandbox, IdleSource } from './idle-freezer.js';
import { Instance } from './instance.js';
import type { BudgetHolder, SandboxBudget } from './sandbox-budget.js';

export interface InstancePoolOptions {
  driver: SandboxDriver;
  budget: SandboxBudget;
  log: Logger;
  idleTtlMs: number;
  /** the clock idle times are measured on (the reaper's and the freezer's) */
  now?: () => number;
}

export class InstancePool implements BudgetHolder, IdleSource {
  private readonly idle = new Map<string, Instance[]>();
  private readonly all = new Set<Instance>();
  /** sandboxes booting for an instance, not yet in `all` */
  private starting = 0;
  private startingMb = 0;
  /** provisioned concurrency: instances per version key kept even when idle past the TTL */
  private minimums = new Map<string, number>();
  private readonly emptied: ((key: string) => void)[] = [];
  private readonly idled: ((key: string) => void)[] = [];
  private readonly reaper: NodeJS.Timeout;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly o: InstancePoolOptions) {
    this.now = o.now ?? Date.now;
    o.budget.join(this, 0); // idle instances go before pre-warmed sandboxes
    this.reaper = setInterval(() => this.reapIdle(), Math.min(30_000, Math.max(250, o.idleTtlMs / 4)));
    this.reaper.unref();
  }

  static key(v: VersionRecord): string {
    return `${v.functionName}:${v.version}:${v.codeSha256}`;
  }

  /** Called with a version key whenever one of its instances becomes idle. */
  onIdle(listener: (key: string) => void): void {
    this.idled.push(listener);
  }

  /** Called with a version key once its last instance is gone. */
  onEmptied(listener: (key: string) => void): void {
    this.emptied.push(listener);
  }

  /**
   * A busy instance of `v` on a pre-warmed sandbox, or on one booted now (after making
   * room in the budget). Counted in the budget from the first moment, so nothing is
   * evicted for it twice.
   */
  async open(v: VersionRecord, pooled: Sandbox | null): Promise<Instance> {
    if (this.closed) throw new SkyscaleError('ServerUnavailable', 'the server is shutting down');
    let sandbox = pooled;
    if (!sandbox) {
      if (!this.o.budget.makeRoom(v.memoryMb)) throw memoryFull(v, this.o.budget);
      this.starting++;
      this.startingMb += v.memoryMb;
      try {
        sandbox = await this.o.driver.start({ id: `sky-${randomUUID()}`, memoryMb: v.memoryMb, network: v.network }).catch((err: unknown) => {
          if (err instanceof SkyscaleError) throw err; // typed already (an agent of another protocol version, say)
          throw new SkyscaleError('SandboxStartFailed', `could not start a ${this.o.driver.name} sandbox: ${(err as Error).message}`, { cause: err });
        });
      } finally {
        this.starting--;
        this.startingMb -= v.memoryMb;
      }
    }
    const instance = new Instance(InstancePool.key(v), v.functionName, v.version, sandbox, v.memoryMb);
    this.all.add(instance);
    this.watch(instance);
    if (this.closed) this.discard(instance, 'the server is shutting down');
    return instance;
  }

  /**
   * An idle instance of the version, most recently used first (warmest caches, and the
   * least likely to be frozen), marked busy. It may be frozen: see thaw().
   */
  takeIdle(key: string): Instance | undefined {
    const list = this.idle.get(key);
    while (list?.length) {
      const inst = list.pop()!;
      if (!list.length) this.idle.delete(key);
      if (inst.isGone) {
        this.discard(inst, 'its sandbox is gone');
        continue;
      }
      inst.markBusy(this.now());
      return inst;
    }
    return undefined;
  }

  /** Thaws an instance taken frozen; false when it could not be, and it is retired. */
  async thaw(instance: Instance): Promise<boolean> {
    try {
      await instance.sandbox.thaw();
    } catch (err) {
      this.o.log.warn({ instance: instance.id, err: (err as Error).message }, 'thawing an idle instance failed');
      this.discard(instance, 'it could not be thawed');
      return false;
    }
    if (!instance.isGone) return true;
    this.discard(instance, 'its sandbox is gone');
    return false;
  }

  /** A busy instance becomes idle, ready for the next call of its version. */
  putIdle(instance: Instance): void {
    if (instance.state !== 'busy') return;
    if (instance.isGone || this.closed) return this.discard(instance, 'its sandbox is gone');
    instance.markIdle(this.now());
    const list = this.idle.get(instance.key) ?? [];
    list.push(instance);
    this.idle.set(instance.key, list);
    for (const l of this.idled) l(instance.key);
  }

  /** Retires an instance: it leaves the budget at once, its sandbox stops in the background. */
  discard(instance: Instance, reason: string): void {
    if (!instance.markStopping()) return;
    this.removeIdle(instance);
    this.o.log.debug({ instance: instance.id, function: instance.functionName, reason }, 'stopping instance');
    void instance.sandbox.stop().catch((err: Error) => this.o.log.warn({ err: err.message, instance: instance.id }, 'stopping a sandbox failed')).finally(() => {
      this.all.delete(instance);
      this.o.budget.freed();
      if (this.countOf(instance.key) === 0) for (const l of this.emptied) l(instance.key);
    });
  }

  /** Stops the idle instances of a function except those of the versions to keep. */
  drain(functionName: string, keep: Set<number>, reason: string): void {
    for (const inst of [...this.all]) {
      if (inst.functionName === functionName && !keep.has(inst.version) && inst.state === 'idle') this.discard(inst, reason);
    }
  }

  /** Instances of a version that are not being torn down. */
  countOf(key: string): number {
    let n = 0;
    for (const inst of this.all) if (inst.key === key && inst.state !== 'stopping') n++;
    return n;
  }

  setMinimums(minimums: Map<string, number>): void {
    this.minimums = minimums;
  }

  held(): number {
    let n = this.starting;
    for (const inst of this.all) if (inst.state !== 'stopping') n++;
    return n;
  }

  heldMemoryMb(): number {
    let mb = this.startingMb;
    for (const inst of this.all) if (inst.state !== 'stopping') mb += inst.memoryMb;
    return mb;
  }

  /** The least recently used idle instance goes. */
  evictOne(): boolean {
    let oldest: Instance | null = null;
    for (const inst of this.all) if (inst.state === 'idle' && (!oldest || inst.lastUsedAt < oldest.lastUsedAt)) oldest = inst;
    if (!oldest) return false;
    this.discard(oldest, 'evicted to make room');
    return true;
  }

  reapIdle(now = this.now()): number {
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

  *idleSandboxes(): Iterable<IdleSandbox> {
    for (const list of this.idle.values()) for (const inst of list) yield { sandbox: inst.sandbox, idleSince: inst.lastUsedAt };
  }

  list(): Omit<InstanceSummary, 'memoryKb'>[] {
    const now = this.now();
    return [...this.all].map((i) => i.describe(now));
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.reaper);
    await Promise.all([...this.all].map((i) => i.sandbox.stop()));
    this.all.clear();
    this.idle.clear();
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

  private removeIdle(instance: Instance): void {
    const list = this.idle.get(instance.key);
    if (!list) return;
    const i = list.indexOf(instance);
    if (i !== -1) list.splice(i, 1);
    if (!list.length) this.idle.delete(instance.key);
  }
}

/** A boot the node's memory budget cannot hold, with nothing idle left to evict. */
function memoryFull(v: VersionRecord, budget: SandboxBudget): SkyscaleError {
  const used = budget.usedMemoryMb();
  return new SkyscaleError(
    'NodeMemoryFull',
    `the node's memory budget is full: its sandboxes' memory limits add up to ${used} of ${budget.maxMemoryMb} MB, every one is busy or starting, and function "${v.functionName}" needs ${v.memoryMb} MB more`,
    { hint: 'retry with backoff; lower the function\'s memory, or raise the node\'s memory budget (SKYSCALE_MEMORY_BUDGET)', details: { retryAfterSeconds: 1 } },
  );
}
