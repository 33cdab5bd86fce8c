// Picks and builds the sandbox driver: the one the configuration names, or with
// `auto` gVisor where it is set up (runsc, root filesystem and agent present), else a
// clear error — the server never silently falls back to running code unisolated. The
// docker drivers need an engine answering on DOCKER_HOST (and, for docker-runsc, its
// runsc runtime) and import their image when the engine lacks it. It also finds the host's freezer cgroups, which the gvisor and namespace drivers freeze
// idle sandboxes with.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import { SkyscaleError } from '../errors.js';
import type { DriverName, SandboxDriver } from './driver.js';
import { GvisorDriver, runscVersion } from './gvisor/gvisor-driver.js';
import { ProcessDriver } from './process/process-driver.js';
import { bwrapVersion, NamespaceDriver } from './namespace/namespace-driver.js';
import { prepareKit, type KitSources } from './kit.js';
import { DockerDriver } from './docker/docker-driver.js';
import { ensureImage } from './docker/image.js';
import { Engine, engineSocket } from './docker/engine.js';
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
  if (config.sandbox === 'docker' || config.sandbox === 'docker-runsc') {
    const runtime = config.sandbox === 'docker-runsc' ? 'runsc' : 'runc';
    const { engine, host, version } = await openEngine(runtime, config.dockerHost);
    const { tag, built } = await ensureImage(engine, rootfs, log);
    if (built) log.info({ image: tag }, 'sandbox image built');
    const driver = new DockerDriver({ engine, host, runtime, image: tag, kitDir: join(config.dataDir, 'kit'), dataDir: config.dataDir, log, engineVersion: version });
    // Before the kit is replaced: under runc a leftover container still runs the kit's
    // agent binary, which cannot be overwritten while it does (ETXTBSY).
    const leftovers = await driver.removeLeftovers();
    if (leftovers) log.info({ leftovers }, 'removed Docker sandboxes left by an earlier run');
    if (await prepareKit(kit) !== join(config.dataDir, 'kit')) throw new Error('the kit is not where the docker driver mounts it from');
    return driver;
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

/**
 * Which drivers this node could run, and why not (for GET /v1/pool): the binaries
 * they need, and for the docker ones an engine that answers (with runsc registered
 * for docker-runsc). Cheap checks, made when asked; never starts a sandbox.
 */
export async function driverAvailability(config: ServerConfig): Promise<Record<DriverName, { available: boolean; reason: string | null }>> {
  const yes = { available: true, reason: null };
  const no = (reason: string) => ({ available: false, reason });
  const rootfs = existsSync(config.rootfs) ? null : 'the sandbox root filesystem is missing (scripts/setup.sh builds it)';
  let gvisor: { available: boolean; reason: string | null };
  try {
    await runscVersion(findRunsc(config));
    gvisor = rootfs ? no(rootfs) : yes;
  } catch (err) {
    gvisor = no((err as Error).message);
  }
  const bwrap = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].some((b) => existsSync(b));
  const docker = async (runtime: 'runc' | 'runsc') => {
    try {
      await openEngine(runtime, config.dockerHost);
      return rootfs ? no(rootfs) : yes;
    } catch (err) {
      return no((err as Error).message);
    }
  };
  return {
    gvisor, namespace: !bwrap ? no('bubblewrap (bwrap) was not found') : rootfs ? no(rootfs) : yes,
    docker: await docker('runc'), 'docker-runsc': await docker('runsc'),
    process: { available: true, reason: 'it runs function code unisolated: development only' },
  };
}

/** driverAvailability, checked at most every 30 s (GET /v1/pool is polled; each check runs runsc and asks the engine). */
export function availabilityProbe(config: ServerConfig, maxAgeMs = 30_000): () => Promise<Record<DriverName, { available: boolean; reason: string | null }>> {
  let last: { at: number; value: ReturnType<typeof driverAvailability> } | null = null;
  return () => {
    if (!last || Date.now() - last.at > maxAgeMs) last = { at: Date.now(), value: driverAvailability(config) };
    return last.value;
  };
}

/** The engine on DOCKER_HOST (or the default socket), answering, with the runtime asked for registered. */
export async function openEngine(runtime: 'runc' | 'runsc', dockerHost: string): Promise<{ engine: Engine; host: string; version: string }> {
  const { socketPath, host } = engineSocket(dockerHost);
  const hint = 'start one with scripts/setup.sh (it starts dockerd when no engine answers), or point DOCKER_HOST at a running engine (unix:///path/to/docker.sock)';
  if (!socketPath) throw new SkyscaleError('SandboxEngineUnavailable', `DOCKER_HOST=${host} is not a unix socket; the docker driver talks only to a local engine`, { hint });
  const engine = new Engine(socketPath);
  let info: Awaited<ReturnType<Engine['info']>>;
  try {
    await engine.ping();
    info = await engine.info();
  } catch (err) {
    throw new SkyscaleError('SandboxEngineUnavailable', `no Docker engine answers on ${host} (DOCKER_HOST): ${(err as Error).message}`, { hint, cause: err });
  }
  if (runtime === 'runsc' && !info.Runtimes?.runsc) {
    throw new SkyscaleError('SandboxEngineUnavailable', `the Docker engine on ${host} has no runtime "runsc" registered (it has ${Object.keys(info.Runtimes ?? {}).join(', ') || 'none'})`, {
      hint: 'register gVisor\'s runsc in the engine\'s daemon.json "runtimes" (scripts/setup.sh does for the engine it starts), or use SKYSCALE_SANDBOX=docker',
    });
  }
  return { engine, host, version: info.ServerVersion };
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
