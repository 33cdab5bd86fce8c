// The OCI runtime spec (config.json) of one gVisor sandbox: the shared Debian root
// filesystem read-only, a private writable /tmp and /var/task (tmpfs, counted against
// the sandbox's memory), the agent and runtimes bind-mounted read-only at
// /opt/skyscale, no network but loopback (or, with outbound network, the network
// namespace prepared for it and the platform's resolv.conf), and the memory limit runsc
// enforces.

export interface BundleSpec {
  rootfs: string;
  kitDir: string;
  memoryMb: number;
  hostname: string;
  /** pre-warm the runtime before `ready` (the agent's --prestart) */
  prestart?: string;
  /** a prepared network namespace to join (outbound network); none: a new, empty one */
  netns?: string;
  /** host files bound read-only over the sandbox's (resolv.conf, hosts) */
  files?: { source: string; destination: string }[];
}

/** Lambda's default /tmp, and room for the largest package (250 MB unpacked). */
const TMP_MB = 512;
const TASK_MB = 260;

/** gVisor's own sentry needs room beside the function's memory. */
export const SANDBOX_OVERHEAD_MB = 64;

export function ociConfig(s: BundleSpec): Record<string, unknown> {
  const limitBytes = (s.memoryMb + SANDBOX_OVERHEAD_MB) * 1024 * 1024;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      // nobody: even inside gVisor, function code has no root to abuse
      user: { uid: 65534, gid: 65534 },
      args: ['/opt/skyscale/bin/skyscale-agent', '--runtime-api', '127.0.0.1:9001', '--task-dir', '/var/task',
        '--python', '/usr/bin/python3', '--python-bootstrap', '/opt/skyscale/runtime/python/bootstrap.py',
        '--node-dir', '/opt', '--node-bootstrap', '/opt/skyscale/runtime/node/bootstrap.mjs',
        ...(s.prestart ? ['--prestart', s.prestart] : [])],
      env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'LANG=C.UTF-8', 'HOME=/tmp'],
      cwd: '/',
      noNewPrivileges: true,
      capabilities: { bounding: [], effective: [], inheritable: [], permitted: [], ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 4096, soft: 4096 }],
    },
    root: { path: s.rootfs, readonly: true },
    hostname: s.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', `size=${TMP_MB}m`] },
      { destination: '/var/task', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'mode=1777', `size=${TASK_MB}m`] },
      { destination: '/opt/skyscale', type: 'bind', source: s.kitDir, options: ['rbind', 'ro'] },
      ...(s.files ?? []).map((f) => ({ destination: f.destination, type: 'bind', source: f.source, options: ['bind', 'ro'] })),
    ],
    linux: {
      namespaces: [{ type: 'pid' }, s.netns ? { type: 'network', path: s.netns } : { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      resources: { memory: { limit: limitBytes } },
    },
  };
}
