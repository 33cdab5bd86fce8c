// Pre-warmed generic sandboxes: booted, agent up (and, where the agent supports it,
// the runtime's interpreter already started), holding no user code. A first
// invocation takes one and only loads its code into it, so no sandbox boot sits on its
// path. A sandbox's network is fixed when it boots (a network namespace of its own, or
// none), so the network mode is part of the class; a function's allow entries are opened
// later, when its code is assigned (InstanceStarter). Each class (runtime family +
// memory size + network mode) is refilled in the background to its
// target size, a few boots at a time, while the node's sandbox budget has room; when an
// invocation needs room, a ready sandbox can be evicted. Ready sandboxes may be frozen
// while they wait (IdleFreezer); take() thaws one before handing it out.
// A class marked `whenUsed` (the default Node.js classes) is kept only while some
// function of its runtime family and network mode is deployed (`inUse`), so a node does
// not hold idle sandboxes of runtimes nobody runs; when the last such function goes, its
// ready sandboxes are stopped.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { NetworkMode } from '../model/egress-policy.js';
import { runtimeFamily as familyOf } from '../model/runtimes.js';
import type { PrewarmedSandbox } from '../model/node-status.js';
import type { Sandbox, SandboxDriver } from '../sandbox/driver.js';
import type { IdleSandbox, IdleSource } from './idle-freezer.js';
import type { BudgetHolder, SandboxBudget } from './sandbox-budget.js';

export interface PoolClass {
  runtime: string; // runtime family: "python", "node22"
  memoryMb: number;
  network: NetworkMode;
  size: number;
  /** kept only while a deployed function is of this family and network mode (GenericPoolOptions.inUse) */
  whenUsed?: boolean;
}

export interface GenericPoolOptions {
  driver: SandboxDriver;
  log: Logger;
  classes: PoolClass[];
  budget: SandboxBudget;
  /** boots running at once while refilling */
  parallelBoots?: number;
  /** the clock the back-off after failed boots, and idle time, are measured on */
  now?: () => number;
  /** "family:network" pairs of the deployed functions ("node22:outbound"); without it, `whenUsed` classes are always kept */
  inUse?: () => ReadonlySet<string>;
}

const REFILL_DELAY_MS = 250;

interface Slot {
  sandbox: Sandbox;
  readyAt: number;
}

/** The pool class of a runtime name: every python3.* is "python", nodejs22.x is "node22". */
export function runtimeFamily(runtime: string): string {
  return familyOf(runtime) ?? runtime;
}

export class GenericPool implements BudgetHolder, IdleSource {
  private readonly ready = new Map<string, Slot[]>();
  private readonly booting = new Map<string, number>();
  /** taken from the ready list, being thawed for a cold start */
  private thawing = 0;
  private thawingMb = 0;
  private readonly refillTimer: NodeJS.Timeout;
  private closed = false;
  private failures = 0;
  private pausedUntil = 0;

  private readonly now: () => number;

  constructor(private readonly o: GenericPoolOptions) {
    this.now = o.now ?? Date.now;
    o.budget.join(this, 1);
    o.budget.onFreed(() => this.refill());
    this.refillTimer = setInterval(() => this.refill(), 1000);
    this.refillTimer.unref();
  }

  /** A ready (thawed) sandbox for this runtime, memory size and network mode, or null when the class is empty. */
  async take(runtime: string, memoryMb: number, network: NetworkMode): Promise<Sandbox | null> {
    const list = this.ready.get(key(runtimeFamily(runtime), memoryMb, this.networkOf(network)));
    // Refill a moment later: a boot right now would compete for the CPU with the
    // cold start that just took the sandbox.
    setTimeout(() => this.refill(), REFILL_DELAY_MS).unref();
    let slot: Slot | undefined;
    while ((slot = list?.shift())) {
      if (slot.sandbox.channel.isClosed) {
        this.stop(slot.sandbox);
        continue;
      }
      if (!slot.sandbox.frozen) return slot.sandbox;
      // Still this pool's while it thaws: out of the ready list but counted, so the
      // budget never sees a sandbox held by neither pool.
      this.thawing++;
      this.thawingMb += memoryMb;
      try {
        await slot.sandbox.thaw();
        if (!slot.sandbox.channel.isClosed) return slot.sandbox;
      } catch (err) {
        this.o.log.warn({ sandbox: slot.sandbox.id, err: (err as Error).message }, 'thawing a pre-warmed sandbox failed');
      } finally {
        this.thawing--;
        this.thawingMb -= memoryMb;
      }
      this.stop(slot.sandbox);
    }
    return null;
  }

  /** Stops one ready sandbox to make room for other work; false when there is none. */
  evictOne(): boolean {
    for (const list of this.ready.values()) {
      const slot = list.pop();
      if (slot) {
        this.stop(slot.sandbox);
        return true;
      }
    }
    return false;
  }

  /** Sandboxes held: ready plus booting. */
  held(): number {
    return this.readyTotal() + this.totalBooting() + this.thawing;
  }

  heldMemoryMb(): number {
    let mb = this.thawingMb;
    for (const [k, list] of this.ready) mb += memoryOf(k) * list.length;
    for (const [k, n] of this.booting) mb += memoryOf(k) * n;
    return mb;
  }

  readyCount(runtime: string, memoryMb: number, network: NetworkMode): number {
    return this.ready.get(key(runtimeFamily(runtime), memoryMb, this.networkOf(network)))?.length ?? 0;
  }

  /**
   * The class a mode is kept in: a driver that does not isolate has no network modes
   * (its sandboxes share the host's network), so one class serves both.
   */
  private networkOf(network: NetworkMode): NetworkMode {
    return this.o.driver.capabilities.isolated ? network : 'none';
  }

  /** The classes this driver can boot and that are wanted now, each once. */
  private classes(): PoolClass[] {
    const out = new Map<string, PoolClass>();
    const inUse = this.o.inUse?.();
    for (const c of this.o.classes) {
      if (c.whenUsed && inUse && !inUse.has(`${c.runtime}:${c.network}`)) continue;
      const network = this.networkOf(c.network);
      if (network === 'outbound' && !this.o.driver.capabilities.outboundNetwork) continue;
      const k = key(c.runtime, c.memoryMb, network);
      out.set(k, { ...c, network, size: Math.max(c.size, out.get(k)?.size ?? 0) });
    }
    return [...out.values()];
  }

  /** Stops the ready sandboxes of `whenUsed` classes no deployed function needs any more. */
  private dropUnwanted(wanted: PoolClass[]): void {
    if (!this.o.inUse) return;
    const keep = new Set(wanted.map((c) => key(c.runtime, c.memoryMb, c.network)));
    const optional = new Set(this.o.classes.filter((c) => c.whenUsed).map((c) => key(c.runtime, c.memoryMb, this.networkOf(c.network))));
    for (const [k, list] of this.ready) {
      if (keep.has(k) || !optional.has(k) || list.length === 0) continue;
      this.o.log.info({ class: k, sandboxes: list.length }, 'no deployed function uses this pre-warmed class any more; stopping its sandboxes');
      for (const slot of list.splice(0)) this.stop(slot.sandbox);
    }
  }

  /** Ready sandboxes in every class (not counting those still booting). */
  readyTotal(): number {
    let n = 0;
    for (const list of this.ready.values()) n += list.length;
    return n;
  }

  *idleSandboxes(): Iterable<IdleSandbox> {
    for (const slots of this.ready.values()) for (const s of slots) yield { sandbox: s.sandbox, idleSince: s.readyAt };
  }

  list(): Omit<PrewarmedSandbox, 'memoryKb'>[] {
    const out: Omit<PrewarmedSandbox, 'memoryKb'>[] = [];
    const now = this.now();
    for (const [k, slots] of this.ready) {
      const [runtime, memory, network] = k.split(':') as [string, string, NetworkMode];
      for (const s of slots) out.push({ id: s.sandbox.id, pid: s.sandbox.pid ?? null, runtime, memoryMb: Number(memory), network, state: 'ready', frozen: s.sandbox.frozen, ageMs: now - s.readyAt });
    }
    for (const [k, n] of this.booting) {
      const [runtime, memory, network] = k.split(':') as [string, string, NetworkMode];
      for (let i = 0; i < n; i++) out.push({ id: null, pid: null, runtime, memoryMb: Number(memory), network, state: 'booting', frozen: false, ageMs: 0 });
    }
    return out;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.refillTimer);
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.all(all.map((s) => s.sandbox.stop()));
  }

  private stop(sandbox: Sandbox): void {
    void sandbox.stop().catch((err: Error) => this.o.log.warn({ err: err.message, sandbox: sandbox.id }, 'stopping a sandbox failed'));
  }

  /** Starts boots for classes below their target, within the budget and the parallelism. */
  refill(): void {
    if (this.closed || this.now() < this.pausedUntil) return;
    const parallel = this.o.parallelBoots ?? 2;
    const classes = this.classes();
    this.dropUnwanted(classes);
    for (const c of classes) {
      const k = key(c.runtime, c.memoryMb, c.network);
      while (this.have(k) < c.size && this.totalBooting() < parallel && this.o.budget.hasRoom(c.memoryMb)) this.boot(c, k);
    }
  }

  private have(k: string): number {
    return (this.ready.get(k)?.length ?? 0) + (this.booting.get(k) ?? 0);
  }

  private totalBooting(): number {
    let n = 0;
    for (const v of this.booting.values()) n += v;
    return n;
  }

  private boot(c: PoolClass, k: string): void {
    this.booting.set(k, (this.booting.get(k) ?? 0) + 1);
    const id = `sky-${randomUUID()}`;
    void this.o.driver.start({ id, memoryMb: c.memoryMb, network: c.network, prestart: c.runtime })
      .then((sandbox) => {
        this.failures = 0;
        if (this.closed) return void sandbox.stop();
        const slot: Slot = { sandbox, readyAt: this.now() };
        const list = this.ready.get(k) ?? [];
        list.push(slot);
        this.ready.set(k, list);
        // A pooled sandbox that dies is dropped; the refill loop replaces it.
        void sandbox.exited.then(() => {
          const l = this.ready.get(k);
          const i = l?.indexOf(slot) ?? -1;
          if (l && i !== -1) {
            l.splice(i, 1);
            this.stop(sandbox); // removes what the dead sandbox left (runsc state, bundle)
            this.o.log.warn({ sandbox: id }, 'a pre-warmed sandbox died while idle; replacing it');
          }
        });
      })
      .catch((err: Error) => {
        this.failures++;
        // Back off when boots keep failing, so a broken host does not spin.
        this.pausedUntil = this.now() + Math.min(30_000, 250 * 2 ** Math.min(this.failures, 7));
        this.o.log.error({ err: err.message, failures: this.failures }, 'pre-warming a sandbox failed');
      })
      .finally(() => {
        this.booting.set(k, (this.booting.get(k) ?? 1) - 1);
        this.refill();
      });
  }
}

function key(runtime: string, memoryMb: number, network: NetworkMode): string {
  return `${runtime}:${memoryMb}:${network}`;
}

function memoryOf(k: string): number {
  return Number(k.split(':')[1]);
}
