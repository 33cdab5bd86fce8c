// The `gvisor` driver: every sandbox is `runsc run` of a fresh OCI bundle, driven
// directly (no containerd, no Docker), with the agent's stdio as the control channel.
// Teardown (`runsc delete --force`, over a second) runs in the background, never on an
// invocation's path. The driver owns a private runsc state root so it can find and
// remove sandboxes left over by a crashed earlier run.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { startChildSandbox } from '../child-sandbox.js';
import type { Sandbox, SandboxDriver, SandboxSpec } from '../driver.js';
import { ociConfig } from './oci-bundle.js';

const run = promisify(execFile);

export interface GvisorDriverOptions {
  runsc: string;
  platform: string;
  rootfs: string;
  /** holds bin/skyscale-agent and runtime/python (bootstrap.py, its package compiled), mounted read-only (kit.ts) */
  kitDir: string;
  stateDir: string;
  log: Logger;
}

export class GvisorDriver implements SandboxDriver {
  readonly name = 'gvisor' as const;
  readonly capabilities = { isolated: true, memoryLimit: true, networkOff: true };
  private readonly live = new Set<Sandbox>();
  private readonly runscRoot: string;
  private readonly bundles: string;

  constructor(private readonly o: GvisorDriverOptions, private readonly version: string) {
    this.runscRoot = join(o.stateDir, 'runsc');
    this.bundles = join(o.stateDir, 'bundles');
    mkdirSync(this.runscRoot, { recursive: true });
    mkdirSync(this.bundles, { recursive: true });
  }

  runscArgs(): string[] {
    return [`--root=${this.runscRoot}`, `--platform=${this.o.platform}`, '--network=none', '--overlay2=none'];
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    const bundle = join(this.bundles, spec.id);
    await mkdir(bundle, { recursive: true });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(ociConfig({ rootfs: this.o.rootfs, kitDir: this.o.kitDir, memoryMb: spec.memoryMb, hostname: 'sandbox', ...(spec.prestart ? { prestart: spec.prestart } : {}) })));
    const sandbox = await startChildSandbox({
      id: spec.id,
      command: this.o.runsc,
      args: [...this.runscArgs(), 'run', `--bundle=${bundle}`, spec.id],
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      log: this.o.log,
      readyTimeoutMs: 20_000,
      cleanup: () => this.remove(spec.id, bundle),
    });
    this.live.add(sandbox);
    void sandbox.exited.then(() => this.live.delete(sandbox));
    return sandbox;
  }

  describe(): Record<string, unknown> {
    return { driver: this.name, isolated: true, runsc: this.o.runsc, runscVersion: this.version, platform: this.o.platform, rootfs: this.o.rootfs };
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.stop()));
    await this.removeLeftovers();
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
    await Promise.all(stale.map((id) => this.remove(id, join(this.bundles, id))));
    for (const dir of readdirSync(this.bundles)) if (!liveIds.has(dir)) rmSync(join(this.bundles, dir), { recursive: true, force: true });
    return stale.length;
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
