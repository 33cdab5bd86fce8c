// The sandbox driver interface: one small contract, several isolation technologies
// (gvisor, namespace, docker (runc or runsc) and process today; microvm later). A driver starts a
// sandbox with the agent running inside and hands back its AgentChannel; a sandbox can
// be frozen while idle where the driver says it can; everything above (the pools, the
// invoker) is driver-agnostic.
import type { NetworkMode } from '../model/egress-policy.js';
import type { SandboxImage } from '../model/node-status.js';
import type { AgentChannel } from './agent-channel.js';
import type { FreezeMethod } from './freezer.js';

export type DriverName = 'gvisor' | 'namespace' | 'process' | 'docker' | 'docker-runsc';

export interface DriverCapabilities {
  /** function code cannot reach the host, other sandboxes or the network */
  isolated: boolean;
  memoryLimit: boolean;
  networkOff: boolean;
  /** sandboxes can be started with outbound network behind the egress walls (network: outbound) */
  outboundNetwork: boolean;
  /** how an idle sandbox is frozen (no CPU, memory kept), or null when it cannot be */
  freeze: FreezeMethod | null;
}

export interface SandboxSpec {
  /** unique per start (gVisor refuses reused ids after a crash) */
  id: string;
  memoryMb: number;
  /**
   * Start the agent in pre-warmed mode (`--prestart python`, or a Node.js family such as
   * `node22`): the runtime's interpreter is started before `ready`, holding no user code,
   * so `init` only unpacks the code and imports the handler. `ready` then carries
   * `prestarted: "python"` (or the family), or no
   * `prestarted` when the interpreter could not be made ready (the sandbox still works,
   * init just starts the runtime the normal way).
   */
  prestart?: string;
  /** `outbound`: a network namespace of its own behind the egress walls; `none` (the default): loopback only */
  network?: NetworkMode;
}

/** A sandbox's way out, when it was started with network: outbound. */
export interface SandboxEgress {
  /** its address on the sandbox network */
  readonly address: string;
  /** Opens a function's allow entries for this sandbox (done when the code is assigned). */
  allow(entries: readonly string[]): Promise<void>;
  /** Holds the sandbox to these entries alone: the public internet is refused too (a dependency build's). */
  restrict(entries: readonly string[]): Promise<void>;
}

export interface SandboxExit {
  code: number | null;
  signal: string | null;
  /** the last lines the sandbox wrote to stderr, for error messages */
  stderrTail: string;
}

export interface Sandbox {
  readonly id: string;
  /** host pid of the sandbox's root process (its whole tree is the sandbox's footprint) */
  readonly pid: number | undefined;
  readonly channel: AgentChannel;
  /** set when the sandbox was started with outbound network */
  readonly egress?: SandboxEgress;
  /** resolves when the sandbox's process is gone */
  readonly exited: Promise<SandboxExit>;
  /** true from freeze() until thaw(): known without a system call */
  readonly frozen: boolean;
  /**
   * Stops every process of the sandbox where it is: no CPU, memory kept. Only for an
   * idle sandbox (nothing pending on its channel). False when it cannot be frozen (the
   * driver cannot freeze, or the sandbox is gone).
   */
  freeze(): Promise<boolean>;
  /** Lets a frozen sandbox run again; resolves at once when it is not frozen. */
  thaw(): Promise<void>;
  /** idempotent, also when frozen (it thaws first); the slow part of teardown continues in the background */
  stop(): Promise<void>;
}

export interface SandboxDriver {
  readonly name: DriverName;
  readonly capabilities: DriverCapabilities;
  /** resolves once the agent inside has said `ready` */
  start(spec: SandboxSpec): Promise<Sandbox>;
  /** facts for GET /v1/pool, which takes a key (binaries, their versions and paths, platform) */
  describe(): Record<string, unknown>;
  /** the images its sandboxes are made from (the docker drivers); absent: none */
  images?(): Promise<SandboxImage[]>;
  /** stops every sandbox this driver started and removes leftovers of earlier runs */
  shutdown(): Promise<void>;
}
