// What a node reports about itself (GET /healthz to anyone, GET /v1/pool to a key holder): the shapes the API
// renders, produced by the scheduler from the pools, so the API never reaches into them.
import type { NetworkMode } from './egress-policy.js';

/**
 * What anyone may see (GET /healthz takes no key): no binary or data paths, no
 * counts; the driver's facts and the sandboxes are GET /v1/pool's.
 */
export interface HealthReport {
  status: 'ok';
  version: string;
  /** the name of the sandbox driver in use */
  driver: string;
}

export interface PrewarmedSandbox {
  id: string | null;
  pid: number | null;
  runtime: string;
  memoryMb: number;
  network: NetworkMode;
  state: 'ready' | 'booting';
  /** frozen while idle: no CPU until an invocation takes it */
  frozen: boolean;
  ageMs: number;
  /** host memory of the sandbox's process tree (PSS), null where it cannot be read */
  memoryKb: number | null;
}

export interface InstanceSummary {
  id: string;
  pid: number | null;
  function: string;
  version: number;
  state: 'idle' | 'busy' | 'stopping';
  /** frozen while idle: no CPU until its next invocation thaws it */
  frozen: boolean;
  ageMs: number;
  idleMs: number;
  invocations: number;
  initMs: number | null;
  /** the runtime's own peak RSS, as its agent reported it */
  maxRssKb: number | null;
  /** host memory of the sandbox's process tree (PSS), null where it cannot be read */
  memoryKb: number | null;
}

/** Whether this node could run a sandbox driver, and if not, why (checked when asked: binaries, the Docker engine). */
export interface DriverAvailability {
  available: boolean;
  reason: string | null;
}

export interface PoolReport {
  sandbox: Record<string, unknown>;
  /** every driver this build has, available here or not (with the reason) */
  drivers: Record<string, DriverAvailability>;
  admission: { inFlight: number; queued: number; nodeLimit: number };
  /** the node's sandbox budget: sandboxes held and their memory limits added up, against the limits */
  budget: { sandboxes: number; maxSandboxes: number; memoryMb: number; maxMemoryMb: number };
  /** how idle sandboxes are frozen (null: this driver cannot) and after how long idle (0: never) */
  freeze: { method: string | null; afterMs: number };
  generic: PrewarmedSandbox[];
  instances: InstanceSummary[];
}

/** A sandbox image the node's engine holds (the docker drivers; other drivers have none). */
export interface SandboxImage {
  /** skyscale/runtime:<root filesystem recipe hash> */
  tag: string;
  created: string;
  sizeBytes: number;
  /** the engine runtimes that can run it: runc (driver docker), runsc (driver docker-runsc) */
  runtimes: string[];
}

export interface NodeStatus {
  health(): HealthReport;
  pool(): Promise<PoolReport>;
  /** invocations this node runs at once at most (its admission limit) */
  concurrencyLimit(): number;
  /** the driver's images; empty for drivers without any */
  images(): Promise<SandboxImage[]>;
}
