// Starts an instance of a version (a cold start): takes a pre-warmed sandbox of the
// version's runtime and memory class when there is one, else boots one, and loads the
// code into it (the pool thaws a frozen one first). A pre-warmed sandbox that died
// between being taken and its init is replaced by a boot instead of failing the caller.
// Cold starts share the CPU, so the starter holds the node's cold-start slots (at most
// `maxInFlight` at once, for invocations and provisioned instances alike) and learns
// what a cold start costs. What to start and when is the scheduler's decision (and the
// provisioner's).
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import type { NetworkMode } from '../model/egress-policy.js';
import type { VersionRecord } from '../model/function.js';
import { ChannelClosedError, type InitResult } from '../sandbox/agent-channel.js';
import type { Sandbox } from '../sandbox/driver.js';
import type { GenericPool } from './generic-pool.js';
import type { Instance } from './instance.js';
import type { InstancePool } from './instance-pool.js';

export interface Started {
  /** busy, and the caller's: to lease, to put idle, or (when its init failed) to retire */
  instance: Instance;
  init: InitResult;
  /** from the pre-warmed pool, or booted on the caller's path */
  from: 'pool' | 'boot';
}

export interface InstanceStarterOptions {
  generic: GenericPool;
  instances: InstancePool;
  log: Logger;
  /** cold starts at once; more only contend for the CPU (the core count) */
  maxInFlight: number;
  /** the plaintext of a version's secret env values, for its init request only (none when not given) */
  openSecrets?: (v: VersionRecord) => Record<string, string>;
}

/** Weight of the newest sample in the moving averages. */
const EWMA = 0.2;

export class InstanceStarter {
  private inFlight = 0;
  /** moving averages of what a cold start costs, from the pool and with a boot */
  private readonly costMs = { pool: 30, boot: 300 };
  private readonly settled: (() => void)[] = [];

  constructor(private readonly o: InstanceStarterOptions) {}

  /** Is a cold-start slot free? */
  hasSlot(): boolean {
    return this.inFlight < this.o.maxInFlight;
  }

  /** What a cold start of this runtime and memory class is expected to cost now. */
  expectedMs(runtime: string, memoryMb: number, network: NetworkMode): number {
    return this.o.generic.readyCount(runtime, memoryMb, network) > 0 ? this.costMs.pool : this.costMs.boot;
  }

  /** What a cold start from the pre-warmed pool costs, the cheapest kind. */
  get poolMs(): number {
    return this.costMs.pool;
  }

  /** Called whenever a cold start ends (a slot is free again). */
  onSettled(listener: () => void): void {
    this.settled.push(listener);
  }

  /** Starts an instance of `v` in a cold-start slot; `code` is the version's package, read while the sandbox starts. */
  async start(v: VersionRecord, code: Promise<Buffer>): Promise<Started> {
    code.catch(() => undefined); // awaited below; a failure must not also surface as unhandled
    this.inFlight++;
    const t = Date.now();
    try {
      const started = await this.startOnce(v, code);
      if (started.init.ok) this.costMs[started.from] += EWMA * (Date.now() - t - this.costMs[started.from]);
      return started;
    } finally {
      this.inFlight--;
      for (const l of this.settled) l();
    }
  }

  private async startOnce(v: VersionRecord, code: Promise<Buffer>): Promise<Started> {
    const pooled = await this.o.generic.take(v.runtime, v.memoryMb, v.network);
    try {
      return await this.load(v, pooled, code);
    } catch (err) {
      if (!pooled || !(err instanceof SkyscaleError) || !(err.cause instanceof ChannelClosedError)) throw err;
      this.o.log.warn({ sandbox: pooled.id, function: v.functionName }, 'a pre-warmed sandbox died before use; booting another');
      return this.load(v, null, code);
    }
  }

  private async load(v: VersionRecord, pooled: Sandbox | null, code: Promise<Buffer>): Promise<Started> {
    let instance: Instance | null = null;
    try {
      instance = await this.o.instances.open(v, pooled);
      // the sandbox's network came with it; the function's own allow entries open now
      if (v.allow.length) await instance.sandbox.egress?.allow(v.allow);
      return { instance, init: await instance.init(v, await code, this.o.openSecrets?.(v)), from: pooled ? 'pool' : 'boot' };
    } catch (err) {
      if (instance) this.o.instances.discard(instance, 'init did not complete');
      if (err instanceof SkyscaleError) throw err;
      throw new SkyscaleError('SandboxStartFailed', `the sandbox failed while loading the function: ${(err as Error).message}`, { cause: err });
    }
  }
}
