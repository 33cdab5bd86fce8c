// Picks and builds the sandbox driver: the one the configuration names, or with
// `auto` gVisor where it is set up (runsc, root filesystem and agent present), else a
// clear error — the server never silently falls back to running code unisolated. It
// also finds the host's freezer cgroups, which the gvisor and namespace drivers freeze
// idle sandboxes with.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { SkyscaleError } from '../errors.js';
import type { SandboxDriver } from './driver.js';
import { GvisorDriver, runscVersion } from './gvisor/gvisor-driver.js';
import { ProcessDriver } from './process/process-driver.js';
import { bwrapVersion, NamespaceDriver } from './namespace/namespace-driver.js';
import { prepareKit, type KitSources } from './kit.js';
import type { NetworkSupport } from './network/egress-link.js';
import { hostResolvers, parseUpstream } from './network/dns-forwarder.js';
import { SandboxNetwork } from './network/sandbox-network.js';
import { findFreezerHierarchy, removeGroup, type FreezerHierarchy } from './cgroups.js';

export async function createDriver(config: ServerConfig, log: Logger): Promise<SandboxDriver> {
  requireFile(config.agentPath, 'the agent binary', 'run scripts/setup.sh (it builds the agent)');
  requireFile(config.pythonBootstrap, 'the Python runtime', 'the checkout is incomplete');
  if (config.sandbox === 'process') {
    log.warn('sandbox driver "process": function code runs UNISOLATED on this host; use it for development only');
    return new ProcessDriver({
      agentPath: config.agentPath, pythonBootstrap: config.pythonBootstrap, python: config.hostPython, workDir: join(config.dataDir, 'process-sandboxes'), log,
      nodeBootstrap: config.nodeBootstrap, nodeDir: join(config.rootfs, 'opt'),
    });
  }
  requireFile(config.rootfs, 'the sandbox root filesystem', 'run scripts/setup.sh (it builds the root filesystem)');
  const bwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].find((b) => existsSync(b));
  const rootfs = realpathSync(config.rootfs);
  const kit: KitSources = { dataDir: config.dataDir, agentPath: config.agentPath, pythonBootstrap: config.pythonBootstrap, nodeBootstrap: config.nodeBootstrap, rootfs, bwrap, hostPython: config.hostPython, log };
  if (config.sandbox === 'namespace') {
    if (!bwrap) throw new SkyscaleError('SandboxStartFailed', 'bubblewrap (bwrap) was not found', { hint: 'run scripts/setup.sh (it installs bubblewrap)' });
    const version = await bwrapVersion(bwrap);
    log.warn('sandbox driver "namespace": Linux namespaces without a syscall filter or memory cgroup; gVisor isolates more');
    const group = `skyscale-${createHash('sha256').update(config.dataDir).digest('hex').slice(0, 12)}`;
    const hierarchy = usableFreezer(log, group);
    // Before the kit is replaced: a sandbox left frozen by a crashed run still runs its agent.
    const leftovers = hierarchy ? await removeGroup(hierarchy, group) : 0;
    if (leftovers) log.info({ leftovers }, 'removed namespace sandboxes left by an earlier run');
    return new NamespaceDriver({ bwrap, rootfs, kitDir: await prepareKit(kit), freezer: hierarchy ? { hierarchy, group } : null, log, network: await openNetwork(config, log) }, version);
  }
  const runsc = findRunsc(config);
  const version = await runscVersion(runsc).catch((err: Error) => {
    throw new SkyscaleError('SandboxStartFailed', `gVisor's runsc at ${runsc} does not run: ${err.message}`, { hint: 'run scripts/setup.sh, or set SKYSCALE_SANDBOX=process for unisolated development' });
  });
  // The 2022 runsc has no systrap platform. The root is resolved so that a rebuild of
  // the root filesystem never changes it under running sandboxes.
  const platform = config.runscPlatform === 'systrap' && /^release-2022|20220/.test(version) ? 'ptrace' : config.runscPlatform;
  const kitDir = await prepareKit(kit);
  const driver = new GvisorDriver({ runsc, platform, rootfs, kitDir, stateDir: join(config.dataDir, 'gvisor'), freezer: usableFreezer(log), log, network: await openNetwork(config, log) }, version);
  const leftovers = await driver.removeLeftovers();
  if (leftovers) log.info({ leftovers }, 'removed gVisor sandboxes left by an earlier run');
  return driver;
}

/**
 * The sandbox network for functions with network: outbound. A server that cannot set
 * one up (not root, nftables missing) still runs network: none functions, and says why
 * the others fail.
 */
async function openNetwork(config: ServerConfig, log: Logger): Promise<NetworkSupport> {
  try {
    const upstreams = config.dnsServers ? config.dnsServers.map(parseUpstream) : hostResolvers();
    const network = await SandboxNetwork.open({ range: config.sandboxNetwork, upstreams, stateDir: join(config.dataDir, 'network'), log });
    log.info(network.facts(), 'sandbox network ready');
    return { network, problem: null };
  } catch (err) {
    const problem = (err as Error).message;
    log.warn({ problem }, 'sandboxes cannot have outbound network on this host: functions with network "outbound" will fail to start');
    return { network: null, problem };
  }
}

/**
 * The host's freezer cgroups when this process may use them (make a group in them, for
 * the namespace driver; write freeze files, for runsc's cgroups), else null: idle
 * sandboxes then run on, and the log says so once.
 */
function usableFreezer(log: Logger, group?: string): FreezerHierarchy | null {
  const h = findFreezerHierarchy();
  try {
    if (!h) throw new Error('no freezer cgroup is mounted');
    const own = join(h.mount, h.own);
    if (group) mkdirSync(join(own, group), { recursive: true });
    else accessSync(own, constants.W_OK);
    return h;
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'idle sandboxes will not be frozen: the freezer cgroup cannot be used');
    return null;
  }
}

function findRunsc(config: ServerConfig): string {
  const candidates = config.runsc ? [config.runsc] : [join(config.cacheDir, 'bin', 'runsc'), '/usr/bin/runsc', '/usr/local/bin/runsc'];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new SkyscaleError('SandboxStartFailed', `gVisor's runsc was not found (looked at ${candidates.join(', ')})`, {
      hint: 'run scripts/setup.sh, or set SKYSCALE_SANDBOX=process for unisolated development',
    });
  }
  return found;
}

function requireFile(path: string, what: string, hint: string): void {
  if (!existsSync(path)) throw new SkyscaleError('SandboxStartFailed', `${what} is missing (${path})`, { hint });
}
