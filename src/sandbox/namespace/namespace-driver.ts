// The `namespace` driver: every sandbox is a bubblewrap (bwrap) process tree with its
// own user, PID, network (loopback only; with outbound network, the namespace prepared
// for it, entered with nsenter before bwrap starts), IPC, UTS and mount namespaces, the shared
// Debian root filesystem read-only, private tmpfs /tmp and /var/task, the agent kit
// read-only at /opt/skyscale, no capabilities, running as nobody, and killed with the
// control plane. Lighter and faster than gVisor, but function code talks to the host
// kernel directly (no syscall filter yet) and memory is limited only by the runtime's
// address-space limit (no cgroup): choose it knowingly.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { startChildSandbox } from '../child-sandbox.js';
import type { Sandbox, SandboxDriver, SandboxSpec } from '../driver.js';
import { linkFor, networkFacts, type NetworkSupport } from '../network/egress-link.js';
import { findTool } from '../network/sandbox-network.js';

const run = promisify(execFile);

export interface NamespaceDriverOptions {
  bwrap: string;
  rootfs: string;
  kitDir: string;
  log: Logger;
  network: NetworkSupport;
}

const TMP_BYTES = 512 * 1024 * 1024;
const TASK_BYTES = 260 * 1024 * 1024;

export class NamespaceDriver implements SandboxDriver {
  readonly name = 'namespace' as const;
  readonly capabilities: { isolated: true; memoryLimit: false; networkOff: true; outboundNetwork: boolean };
  private readonly live = new Set<Sandbox>();
  private readonly nsenter: string | undefined;

  constructor(private readonly o: NamespaceDriverOptions, private readonly version: string) {
    this.nsenter = findTool('nsenter');
    const network: NetworkSupport = o.network.network && !this.nsenter ? { network: null, problem: 'nsenter (util-linux) was not found' } : o.network;
    this.o = { ...o, network };
    this.capabilities = { isolated: true, memoryLimit: false, networkOff: true, outboundNetwork: network.network !== null };
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
      ...(spec.prestart ? ['--prestart', spec.prestart] : []),
    ];
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    const net = await linkFor(spec, this.o.network, this.o.rootfs);
    const bwrap = this.bwrapArgs(spec, net?.files);
    let sandbox: Sandbox;
    try {
      sandbox = await startChildSandbox({
        id: spec.id,
        // nsenter puts bwrap in the prepared namespace and execs it (same pid)
        command: net ? this.nsenter! : this.o.bwrap,
        args: net ? [`--net=${net.link.netns}`, '--', this.o.bwrap, ...bwrap] : bwrap,
        env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', HOME: '/tmp' },
        log: this.o.log,
        readyTimeoutMs: 10_000,
        ...(net ? { cleanup: () => net.link.release(), egress: net.egress } : {}),
      });
    } catch (err) {
      await net?.link.release();
      throw err;
    }
    this.live.add(sandbox);
    void sandbox.exited.then(() => this.live.delete(sandbox));
    return sandbox;
  }

  describe(): Record<string, unknown> {
    return { driver: this.name, isolated: true, bwrap: this.o.bwrap, bwrapVersion: this.version, rootfs: this.o.rootfs, memoryLimit: 'runtime address-space limit only', network: networkFacts(this.o.network) };
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.stop()));
    await this.o.network.network?.close();
  }
}

export async function bwrapVersion(bwrap: string): Promise<string> {
  const { stdout } = await run(bwrap, ['--version'], { timeout: 10_000 });
  return stdout.trim().replace(/^bubblewrap\s*/, '');
}
