// Keeps the pool in step with the functions: provisioned concurrency (a version's
// `minWarm` instances started, initialised and kept idle, topped up every second while
// the budget has room and a cold-start slot is free, one start at a time) and, when a function changes, its idle
// instances of versions nothing runs any more drained (a new $LATEST retires older
// versions except those an alias still points at; a deleted function loses them all).
import type { Logger } from 'pino';
import type { FunctionChange, VersionRecord } from '../model/function.js';
import { InstancePool } from './instance-pool.js';
import type { InstanceStarter } from './instance-starter.js';
import type { SandboxBudget } from './sandbox-budget.js';

/** What the provisioner needs to know about functions (the registry provides it). */
export interface ProvisioningSource {
  onChange(listener: (change: FunctionChange) => void): void;
  /** the versions to keep warm and how many instances of each */
  minWarmTargets(): { version: VersionRecord; minWarm: number }[];
  /** the versions the function's aliases point at */
  aliasVersions(functionName: string): number[];
  readCode(v: VersionRecord): Promise<Buffer>;
}

export class Provisioner {
  private readonly timer: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly o: { source: ProvisioningSource; instances: InstancePool; starter: InstanceStarter; budget: SandboxBudget; log: Logger; intervalMs?: number }) {
    o.source.onChange((change) => this.changed(change));
    this.timer = setInterval(() => void this.maintain(), o.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Brings each provisioned version one instance closer to its minimum (no-op while a round runs). */
  maintain(): Promise<void> {
    this.running ??= this.round().finally(() => { this.running = null; });
    return this.running;
  }

  /** Stops topping up; a start in flight ends when the pools shut its sandbox down. */
  shutdown(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  private changed(change: FunctionChange): void {
    if (change.kind === 'deleted') return this.o.instances.drain(change.name, new Set(), 'the function was deleted');
    const keep = new Set([change.version, ...this.o.source.aliasVersions(change.name)]);
    this.o.instances.drain(change.name, keep, 'a newer version was deployed');
  }

  private async round(): Promise<void> {
    const targets = this.o.source.minWarmTargets();
    this.o.instances.setMinimums(new Map(targets.map((t) => [InstancePool.key(t.version), t.minWarm])));
    for (const { version, minWarm } of targets) {
      if (this.closed || this.o.instances.countOf(InstancePool.key(version)) >= minWarm || !this.o.budget.hasRoom(version.memoryMb) || !this.o.starter.hasSlot()) continue;
      try {
        const started = await this.o.starter.start(version, this.o.source.readCode(version));
        // idle: a caller already waiting for this version is handed it (placement listens)
        if (started.init.ok) this.o.instances.putIdle(started.instance);
        else this.o.instances.discard(started.instance, 'init failed');
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message, function: version.functionName }, 'starting a provisioned instance failed');
      }
    }
  }
}
