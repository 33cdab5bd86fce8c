// The `gvisor` driver: every sandbox is `runsc run` of a fresh OCI bundle, driven
// directly (no containerd, no Docker), with the agent's stdio as the control channel.
// Teardown (`runsc delete --force`, over a second) runs in the background, never on an
// invocation's path. The driver owns a private runsc state root so it can find and
// remove sandboxes left over by a crashed earlier run. An idle sandbox is frozen through
// the freezer cgroup runsc made for it (found from the sandbox's processes at the first
// freeze); `runsc run`, our child, stays outside it, so its exit is seen while frozen.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { childPids, FREEZE_VALUES, sandboxFreezeFile, type FreezerHierarchy } from '../cgroups.js';
import { startChildSandbox } from '../child-sandbox.js';
import type { DriverCapabilities, Sandbox, SandboxDriver, SandboxSpec } from '../driver.js';
import { CgroupFreezer } from '../freezer.js';
import { ociConfig } from './oci-bundle.js';
import { linkFor, networkFacts, type NetworkSupport } from '../network/egress-link.js';

const run = promisify(execFile);

export interface GvisorDriverOptions {
  runsc: string;
  platform: string;
  rootfs: string;
  /** holds bin/skyscale-agent and runtime/python (bootstrap.py, its package compiled), mounted read-only (kit.ts) */
  kitDir: string;
  stateDir: string;
  /** the host's freezer cgroups; null: sandboxes are never frozen */
  freezer: FreezerHierarchy | null;
  log: Logger;
  network: NetworkSupport;
}

export class GvisorDriver implements SandboxDriver {
  readonly name = 'gvisor' as const;
  readonly capabilities: DriverCapabilities;
  private readonly live = new Set<Sandbox>();
  private readonly runscRoot: string;
  private readonly bundles: string;
  private missingCgroupSeen = false;

  constructor(private readonly o: GvisorDriverOptions, private readonly version: string) {
    this.capabilities = { isolated: true, memoryLimit: true, networkOff: true, outboundNetwork: o.network.network !== null, freeze: o.freezer?.kind ?? null };
    this.runscRoot = join(o.stateDir, 'runsc');
    this.bundles = join(o.stateDir, 'bundles');
    mkdirSync(this.runscRoot, { recursive: true });
    mkdirSync(this.bundles, { recursive: true });
  }

  /**
   * Outbound sandboxes use the host kernel's network stack inside their own namespace
   * (`--network=host` there): the runsc of these machines refuses its own netstack
   * (`--network=sandbox`) in any namespace on kernels where net.core.rmem_default is
   * per namespace (6.x), taking it for the root namespace (docs/gvisor.md).
   */
  runscArgs(outbound = false): string[] {
    return [`--root=${this.runscRoot}`, `--platform=${this.o.platform}`, outbound ? '--network=host' : '--network=none', '--overlay2=none'];
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    const bundle = join(this.bundles, spec.id);
    const net = await linkFor(spec, this.o.network, this.o.rootfs);
    let sandbox: Sandbox;
    try {
      await mkdir(bundle, { recursive: true });
      await writeFile(join(bundle, 'config.json'), JSON.stringify(ociConfig({
        rootfs: this.o.rootfs, kitDir: this.o.kitDir, memoryMb: spec.memoryMb, hostname: 'sandbox', ...(spec.prestart ? { prestart: spec.prestart } : {}),
        ...(net ? { netns: net.link.netns, files: net.files } : {}),
      })));
      sandbox = await startChildSandbox({
        id: spec.id,
        command: this.o.runsc,
        args: [...this.runscArgs(net !== null), 'run', `--bundle=${bundle}`, spec.id],
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
        log: this.o.log,
        readyTimeoutMs: 20_000,
        cleanup: async () => {
          await this.remove(spec.id, bundle);
          await net?.link.release();
        },
        ...(net ? { egress: net.egress } : {}),
        ...(this.o.freezer ? { freezer: (pid: number) => this.freezerOf(pid) } : {}),
      });
    } catch (err) {
      await net?.link.release(); // idempotent: a failed start may have released it already
      throw err;
    }
    this.live.add(sandbox);
    void sandbox.exited.then(() => this.live.delete(sandbox));
    return sandbox;
  }

  describe(): Record<string, unknown> {
    return { driver: this.name, isolated: true, runsc: this.o.runsc, runscVersion: this.version, platform: this.o.platform, rootfs: this.o.rootfs, network: networkFacts(this.o.network), freeze: this.capabilities.freeze };
  }

  /** The sandbox's processes (the sentry, the gofer) are `runsc run`'s children, in the sandbox's cgroup. */
  private freezerOf(runscPid: number): CgroupFreezer {
    const h = this.o.freezer!;
    return new CgroupFreezer(h.kind, async () => {
      for (const pid of await childPids(runscPid)) {
        const file = await sandboxFreezeFile(h, pid);
        if (file) return file;
      }
      // once per driver: if one sandbox has none, they all have none
      if (!this.missingCgroupSeen) this.o.log.warn({ runscPid }, 'the freezer cgroup of a gVisor sandbox was not found; sandboxes without one are not frozen');
      this.missingCgroupSeen = true;
      return null;
    });
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.stop()));
    await this.removeLeftovers();
    await this.o.network.network?.close();
  }

  /** Deletes sandboxes and bundles an earlier, crashed run left behind. */
  async removeLeftovers(): Promise<number> {
    let ids: string[] = [];
    try {
      const { stdout } = await run(this.o.runsc, [`--root=${this.runscRoot}`, 'list', '-quiet'], { timeout: 10_000 });
      ids = stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    } catch (err) {
      this.o.log.warn({ err }, 'listing leftover gVisor sandboxes failed');
    }
    const liveIds = new Set([...this.live].map((s) => s.id));
    const stale = ids.filter((id) => !liveIds.has(id));
    await Promise.all(stale.map(async (id) => {
      await this.thawLeftover(id);
      await this.remove(id, join(this.bundles, id));
    }));
    for (const dir of readdirSync(this.bundles)) if (!liveIds.has(dir)) rmSync(join(this.bundles, dir), { recursive: true, force: true });
    return stale.length;
  }

  /**
   * A crashed run may have left a sandbox frozen: runsc can neither delete nor even
   * query it (`runsc state` waits for the frozen sandbox) until it is thawed. Its host
   * pid is in the state file runsc keeps beside it; without one, delete just fails later.
   */
  private async thawLeftover(id: string): Promise<void> {
    const h = this.o.freezer;
    if (!h) return;
    try {
      for (const name of readdirSync(this.runscRoot)) {
        if (!name.startsWith(`${id}_`) || !name.endsWith('.state')) continue;
        const state = JSON.parse(await readFile(join(this.runscRoot, name), 'utf8')) as { sandbox?: { pid?: unknown } };
        const pid = Number(state.sandbox?.pid);
        const file = pid > 0 ? await sandboxFreezeFile(h, pid) : null;
        if (file) await writeFile(file, FREEZE_VALUES[h.kind].thawed);
      }
    } catch (err) {
      this.o.log.debug({ sandbox: id, err: (err as Error).message }, 'no leftover sandbox state to thaw');
    }
  }

  private async remove(id: string, bundle: string): Promise<void> {
    try {
      await run(this.o.runsc, [`--root=${this.runscRoot}`, 'delete', '--force', id], { timeout: 30_000 });
    } catch (err) {
      // "does not exist" is the usual answer: `runsc run` cleaned up after itself.
      const msg = String((err as { stderr?: string }).stderr ?? (err as Error).message);
      if (!/not exist|cannot load container|no such file/i.test(msg)) this.o.log.warn({ sandbox: id, err: msg.trim() }, 'runsc delete failed');
    }
    rmSync(bundle, { recursive: true, force: true });
  }
}

export async function runscVersion(runsc: string): Promise<string> {
  const { stdout } = await run(runsc, ['--version'], { timeout: 10_000 });
  return stdout.split('\n')[0]!.replace(/^runsc version\s*/, '').trim();
}
