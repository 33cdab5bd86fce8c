// What one docker-driver sandbox is, as the Engine API's container create body: the
// runtime image (the project's Debian root filesystem) read-only, the kit (agent and
// runtimes) bind-mounted read-only at /opt/skyscale, a private /tmp and /var/task
// (tmpfs, counted against the memory limit), no network but loopback, every capability
// dropped, no-new-privileges, nobody as the user, memory, CPU and process limits, and
// the agent as the entrypoint on the container's stdio (stdin kept open, no TTY).
// Labels mark the container as this node's, so a restarted server finds and removes
// what a crashed run left, and only that.
import { KIT_MOUNT } from '../kit.js';

export const LABEL_SANDBOX = 'skyscale.sandbox';
export const LABEL_NODE = 'skyscale.node';
export const LABEL_DATA_DIR = 'skyscale.data-dir';
export const LABEL_IMAGE = 'skyscale.image';
export const LABEL_RECIPE = 'skyscale.recipe';
export const LABEL_IMAGE_FORMAT = 'skyscale.image-format';

/** Lambda's default /tmp, and room for the largest package (250 MB unpacked): as the gVisor sandboxes. */
export const TMP_MB = 512;
export const TASK_MB = 260;
/** Room beside the function's memory for the agent (and gVisor's sentry, under runsc). */
export const CONTAINER_OVERHEAD_MB = 64;
/** Lambda's ratio: one vCPU at 1769 MB. */
const MB_PER_VCPU = 1769;
/** processes and threads per sandbox (Lambda allows 1024) */
export const PIDS_LIMIT = 1024;

export interface ContainerSpecInput {
  image: string;
  kitDir: string;
  memoryMb: number;
  /** engine runtime: runc (the engine's default) or runsc */
  runtime: 'runc' | 'runsc';
  node: string;
  dataDir: string;
  /** pre-warm this runtime family before `ready` (the agent's --prestart) */
  prestart?: string;
  /** CPUs of the host: the CPU cap is never above them */
  hostCpus: number;
}

export function containerSpec(s: ContainerSpecInput): Record<string, unknown> {
  const limitBytes = (s.memoryMb + CONTAINER_OVERHEAD_MB) * 1024 * 1024;
  // exec: function packages may carry programs (the engine's default is noexec)
  const tmpfs = (mb: number) => `rw,exec,nosuid,nodev,mode=1777,size=${mb}m`;
  return {
    Image: s.image,
    Entrypoint: [`${KIT_MOUNT}/bin/skyscale-agent`],
    Cmd: ['--runtime-api', '127.0.0.1:9001', '--task-dir', '/var/task', '--python', '/usr/bin/python3',
      '--python-bootstrap', `${KIT_MOUNT}/runtime/python/bootstrap.py`,
      // the root filesystem's Node.js builds (/opt/node22, /opt/node24), as under gVisor
      '--node-dir', '/opt', '--node-bootstrap', `${KIT_MOUNT}/runtime/node/bootstrap.mjs`, ...(s.prestart ? ['--prestart', s.prestart] : [])],
    Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8', 'HOME=/tmp'],
    WorkingDir: '/',
    User: '65534:65534',
    Hostname: 'sandbox',
    AttachStdin: true, AttachStdout: true, AttachStderr: true,
    OpenStdin: true, StdinOnce: false, Tty: false,
    NetworkDisabled: true,
    Labels: { [LABEL_SANDBOX]: 'true', [LABEL_NODE]: s.node, [LABEL_DATA_DIR]: s.dataDir },
    HostConfig: {
      Runtime: s.runtime,
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Binds: [`${s.kitDir}:${KIT_MOUNT}:ro`],
      Tmpfs: { '/tmp': tmpfs(TMP_MB), '/var/task': tmpfs(TASK_MB) },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: limitBytes,
      MemorySwap: limitBytes,
      // at most the vCPUs that memory buys (Lambda's ratio), at least one; the default
      // weight when the host is busy, as the other drivers' sandboxes have (a weight in
      // proportion to memory starved small functions behind everything else on a busy host)
      NanoCpus: Math.min(s.hostCpus, Math.max(1, Math.ceil(s.memoryMb / MB_PER_VCPU))) * 1e9,
      PidsLimit: PIDS_LIMIT,
      Ulimits: [{ Name: 'nofile', Soft: 4096, Hard: 4096 }],
      IpcMode: 'private',
      Init: false,
      AutoRemove: false,
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/**
 * Of the containers the engine listed for this node's label, the ones to remove at
 * start: labelled as Skyscale sandboxes of this very node (the engine's filter is
 * checked again here), and not one this driver runs.
 */
export function leftoverContainers<T extends { Id: string; Labels: Record<string, string> | null }>(listed: T[], node: string, live: ReadonlySet<string>): T[] {
  return listed.filter((c) => c.Labels?.[LABEL_SANDBOX] === 'true' && c.Labels[LABEL_NODE] === node && !live.has(c.Id));
}
