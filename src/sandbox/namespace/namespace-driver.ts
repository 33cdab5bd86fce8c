// The `namespace` driver: every sandbox is a bubblewrap (bwrap) process tree with its
// own user, PID, network (loopback only; with outbound network, the namespace prepared
// for it, entered with nsenter before bwrap starts), IPC, UTS and mount namespaces, the shared
// Debian root filesystem read-only, private tmpfs /tmp and /var/task, the agent kit
// read-only at /opt/skyscale, no capabilities, running as nobody, and killed with the
// control plane. Lighter and faster than gVisor, but function code talks to the host
// kernel directly (no syscall filter yet) and memory is limited only by the runtime's
// address-space limit (no memory cgroup): choose it knowingly.
//
// Where the host has a freezer cgroup the control plane may use (root), each sandbox
// gets one, under a group named for the data directory: a shell moves itself into it
// and execs bwrap, so every process of the sandbox is in it from the start; once the
// sandbox is ready the outer bwrap (our child, which only waits) is moved back out, so
// its death is seen even while the rest is frozen. Without one, sandboxes are not frozen.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { removeGroup, SandboxCgroup, type FreezerHierarchy } from '../cgroups.js';
import { startChildSandbox } from '../child-sandbox.js';
import type { DriverCapabilities, Sandbox, SandboxDriver, SandboxSpec } from '../driver.js';
import { CgroupFreezer } from '../freezer.js';
import { linkFor, networkFacts, type NetworkSupport } from '../network/egress-link.js';
import { findTool } from '../network/sandbox-network.js';

const run = promisify(execFile);

export interface NamespaceDriverOptions {
  bwrap: string;
  rootfs: string;
  kitDir: string;
  /** the host's freezer cgroups and this server's group in them; null: sandboxes are never frozen */
  freezer: { hierarchy: FreezerHierarchy; group: string } | null;
  log: Logger;
  network: NetworkSupport;
}

/** Runs as the sandbox's first process: joins the cgroup named by $0, then becomes bwrap. */
const JOIN_CGROUP = 'echo $$ > "$0" && exec "$@"';

const TMP_BYTES = 512 * 1024 * 1024;
const TASK_BYTES = 260 * 1024 * 1024;

export class NamespaceDriver implements SandboxDriver {
  readonly name = 'namespace' as const;
  readonly capabilities: DriverCapabilities;
  private readonly live = new Set<Sandbox>();
  private readonly nsenter: string | undefined;

  constructor(private readonly o: NamespaceDriverOptions, private readonly version: string) {
    this.nsenter = findTool('nsenter');
    const network: NetworkSupport = o.network.network && !this.nsenter ? { network: null, problem: 'nsenter (util-linux) was not found' } : o.network;
    this.o = { ...o, network };
    this.capabilities = { isolated: true, memoryLimit: false, networkOff: true, outboundNetwork: network.network !== null, freeze: o.freezer?.hierarchy.kind ?? null };
  }

  bwrapArgs(spec: SandboxSpec, files: { source: string; destination: string }[] = []): string[] {
    return [
      '--unshare-all', ...(spec.network === 'outbound' ? ['--share-net'] : []), '--die-with-parent', '--new-session', '--cap-drop', 'ALL',
      '--uid', '65534', '--gid', '65534', '--hostname', 'sandbox',
      '--ro-bind', this.o.rootfs, '/',
      '--proc', '/proc', '--dev', '/dev',
      '--size', String(TMP_BYTES), '--perms', '1777', '--tmpfs', '/tmp',
      '--size', String(TASK_BYTES), '--perms', '1777', '--tmpfs', '/var/task',
      '--ro-bind', this.o.kitDir, '/opt/skyscale',
      ...files.flatMap((f) => ['--ro-bind', f.source, f.destination]),
      '--chdir', '/',
      '/opt/skyscale/bin/skyscale-agent', '--runtime-api', '127.0.0.1:9001', '--task-dir', '/var/task',
      '--python', '/usr/bin/python3', '--python-bootstrap', '/opt/skyscale/runtime/python/bootstrap.py',
      '--node-dir', '/opt', '--node-bootstrap', '/opt/skyscale/runtime/node/bootstrap.mjs',
      ...(spec.prestart ? ['--prestart', spec.prestart] : []),
    ];
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    const net = await linkFor(spec, this.o.network, this.o.rootfs);
    const bwrap = this.bwrapArgs(spec, net?.files);
    const cgroup = this.o.freezer ? new SandboxCgroup(this.o.freezer.hierarchy, this.o.freezer.group, spec.id) : null;
    let sandbox: Sandbox;
    try {
      await cgroup?.create();
      // the shell joins the sandbox's cgroup and execs bwrap (same pid), so every process starts inside it
      const inCgroup = cgroup ? ['/bin/sh', '-c', JOIN_CGROUP, cgroup.procsFile, this.o.bwrap, ...bwrap] : [this.o.bwrap, ...bwrap];
      sandbox = await startChildSandbox({
        id: spec.id,
        // nsenter puts it in the prepared network namespace and execs it (same pid)
        command: net ? this.nsenter! : inCgroup[0]!,
        args: net ? [`--net=${net.link.netns}`, '--', ...inCgroup] : inCgroup.slice(1),
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', HOME: '/tmp' },
        log: this.o.log,
        readyTimeoutMs: 10_000,
        ...(net ? { egress: net.egress } : {}),
        ...(cgroup || net ? {
          cleanup: async () => {
            if (cgroup && !(await cgroup.remove())) this.o.log.warn({ sandbox: spec.id, cgroup: cgroup.dir }, 'a sandbox cgroup could not be removed');
            await net?.link.release();
          },
        } : {}),
        ...(cgroup ? { freezer: () => new CgroupFreezer(cgroup.h.kind, async () => cgroup.freezeFile) } : {}),
      });
    } catch (err) {
      await net?.link.release();
      if (cgroup) await cgroup.remove().catch(() => false);
      throw err;
    }
    if (cgroup && sandbox.pid !== undefined) {
      await cgroup.release(sandbox.pid).catch((err: Error) => this.o.log.warn({ sandbox: spec.id, err: err.message }, 'moving bwrap out of its sandbox cgroup failed'));
    }
    this.live.add(sandbox);
    void sandbox.exited.then(() => this.live.delete(sandbox));
    return sandbox;
  }

  describe(): Record<string, unknown> {
    return { driver: this.name, isolated: true, bwrap: this.o.bwrap, bwrapVersion: this.version, rootfs: this.o.rootfs, memoryLimit: 'runtime address-space limit only', network: networkFacts(this.o.network), freeze: this.capabilities.freeze };
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.stop()));
    await this.o.network.network?.close();
    // and whatever is left in this server's cgroups (a sandbox that died without being stopped)
    if (this.o.freezer) await removeGroup(this.o.freezer.hierarchy, this.o.freezer.group);
  }
}

export async function bwrapVersion(bwrap: string): Promise<string> {
  const { stdout } = await run(bwrap, ['--version'], { timeout: 10_000 });
  return stdout.trim().replace(/^bubblewrap\s*/, '');
}
