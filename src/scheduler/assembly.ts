// The invoke path's parts wired together once: the sandbox budget, the two pools (idle
// instances are evicted before pre-warmed sandboxes) and their idle freezer, the starter with the node's
// cold-start slots, placement, admission and the invoker. The server, `skyscale test`
// and the tests all build it here, so the wiring and its defaults exist once.
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import type { VersionRecord } from '../model/function.js';
import { GenericPool } from '../pool/generic-pool.js';
import { IdleFreezer } from '../pool/idle-freezer.js';
import { InstancePool } from '../pool/instance-pool.js';
import { InstanceStarter } from '../pool/instance-starter.js';
import { SandboxBudget } from '../pool/sandbox-budget.js';
import type { SandboxDriver } from '../sandbox/driver.js';
import { Admission } from './admission.js';
import { Invoker, type InvocationLog, type InvocationObserver, type LiveLogTaps, type VersionResolver } from './invoker.js';
import { Placement } from './placement.js';

/** `memoryBudgetMb` unset: no memory rule (`skyscale test` runs one instance) */
export type SchedulerSettings = Partial<Pick<ServerConfig, 'memoryBudgetMb'>> & Pick<ServerConfig, 'maxSandboxes' | 'maxColdStarts' | 'idleTtlMs' | 'queueWaitMs' | 'maxQueued' | 'warmPools' | 'freezeAfterMs'>;

export interface SchedulerParts {
  budget: SandboxBudget;
  instances: InstancePool;
  generic: GenericPool;
  freezer: IdleFreezer;
  starter: InstanceStarter;
  placement: Placement;
  admission: Admission;
  invoker: Invoker;
  /** stops placing, then stops every sandbox of both pools */
  shutdown(): Promise<void>;
}

export function createScheduler(o: {
  driver: SandboxDriver;
  log: Logger;
  settings: SchedulerSettings;
  versions: VersionResolver;
  readCode: (v: VersionRecord) => Promise<Buffer>;
  records: InvocationLog;
  /** the metrics, told of every invocation and throttle */
  observer?: InvocationObserver;
  /** live logs: taps for invocations of followed functions */
  live?: LiveLogTaps;
  /** a function's reserved concurrency, null when unset */
  limitFor?: (functionName: string) => number | null;
  /** the plaintext of a version's secret env values, for its init request only */
  openSecrets?: (v: VersionRecord) => Record<string, string>;
  /** the clock the pre-warmed pool's back-off runs on (tests) */
  now?: () => number;
  /** "family:network" of the deployed functions: the pool's `whenUsed` classes are kept only for those */
  poolInUse?: () => ReadonlySet<string>;
}): SchedulerParts {
  const { driver, log, settings: s } = o;
  const budget = new SandboxBudget(s.maxSandboxes, s.memoryBudgetMb);
  const instances = new InstancePool({ driver, budget, log, idleTtlMs: s.idleTtlMs });
  const generic = new GenericPool({ driver, budget, log, classes: s.warmPools, ...(o.now ? { now: o.now } : {}), ...(o.poolInUse ? { inUse: o.poolInUse } : {}) });
  // idle sandboxes of both pools are frozen after the grace, where the driver can freeze
  const freezer = new IdleFreezer({ afterMs: driver.capabilities.freeze ? s.freezeAfterMs : 0, sources: [instances, generic], log });
  const starter = new InstanceStarter({ generic, instances, log, maxInFlight: s.maxColdStarts, ...(o.openSecrets ? { openSecrets: o.openSecrets } : {}) });
  const placement = new Placement({ instances, starter, readCode: o.readCode, log, maxColdStarts: s.maxColdStarts, budget, roomWaitMs: s.queueWaitMs });
  const admission = new Admission({ nodeLimit: s.maxSandboxes, queueWaitMs: s.queueWaitMs, maxQueued: s.maxQueued, limitFor: o.limitFor ?? (() => null) });
  const invoker = new Invoker(o.versions, placement, admission, o.records, log, o.observer, o.live ?? null);
  return {
    budget, instances, generic, freezer, starter, placement, admission, invoker,
    async shutdown() {
      freezer.shutdown();
      placement.shutdown();
      await generic.shutdown();
      await instances.shutdown();
    },
  };
}
