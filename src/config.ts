// Every server setting in one typed place, read once at start: flags win over the
// SKYSCALE_* environment variables, which win over the seed README's names (PORT,
// DB_PATH, LOG_LEVEL, WARM_POOL_SIZE), which win over the defaults. Nothing else in
// the control plane reads process.env.
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { SkyscaleError } from './errors.js';
import { repoPath } from './paths.js';

export type SandboxChoice = 'gvisor' | 'namespace' | 'process' | 'auto';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  dbPath: string;
  sandbox: SandboxChoice;
  adminKey: string | null;
  logLevel: string;
  cacheDir: string;
  runsc: string | null;
  runscPlatform: string;
  rootfs: string;
  agentPath: string;
  pythonBootstrap: string;
  hostPython: string;
  maxSandboxes: number;
  maxColdStarts: number;
  idleTtlMs: number;
  freezeAfterMs: number;
  queueWaitMs: number;
  maxQueued: number;
  warmPools: { runtime: string; memoryMb: number; size: number }[];
}

/**
 * Idle time before a sandbox is frozen. An idle gVisor sandbox costs ~3% of a core and
 * a frozen one none; the call that finds its instance frozen takes ~1 ms more
 * (docs/scheduling.md has the figures), so freeze soon, but not between the calls of a
 * burst.
 */
export const DEFAULT_FREEZE_AFTER_MS = 1000;

/** One declared setting: its env names (first wins), its flag, and how to parse it. */
interface Setting<K extends keyof ServerConfig> {
  key: K;
  env: string[];
  flag: string;
  describe: string;
}

export const SETTINGS: Setting<keyof ServerConfig>[] = [
  { key: 'host', env: ['SKYSCALE_HOST'], flag: 'host', describe: 'address to listen on (default 127.0.0.1)' },
  { key: 'port', env: ['SKYSCALE_PORT', 'PORT'], flag: 'port', describe: 'port to listen on (default 8080)' },
  { key: 'dataDir', env: ['SKYSCALE_DATA_DIR'], flag: 'data-dir', describe: 'database, code blobs and sandbox state (default ~/.skyscale)' },
  { key: 'dbPath', env: ['SKYSCALE_DB_PATH', 'DB_PATH'], flag: 'db-path', describe: 'SQLite file (default <data-dir>/skyscale.db)' },
  { key: 'sandbox', env: ['SKYSCALE_SANDBOX'], flag: 'sandbox', describe: 'gvisor | namespace | process | auto (default auto: gvisor where it works)' },
  { key: 'adminKey', env: ['SKYSCALE_ADMIN_KEY'], flag: 'admin-key', describe: 'bootstrap admin key <id>.<secret> (default: generated once, saved in the data dir)' },
  { key: 'logLevel', env: ['SKYSCALE_LOG_LEVEL', 'LOG_LEVEL'], flag: 'log-level', describe: 'trace | debug | info | warn | error (default info)' },
  { key: 'cacheDir', env: ['SKYSCALE_CACHE_DIR'], flag: 'cache-dir', describe: 'where setup put runsc and the root filesystem (default ~/.cache/skyscale)' },
  { key: 'runsc', env: ['SKYSCALE_RUNSC'], flag: 'runsc', describe: 'runsc binary (default <cache>/bin/runsc, else /usr/bin/runsc)' },
  { key: 'runscPlatform', env: ['SKYSCALE_RUNSC_PLATFORM'], flag: 'runsc-platform', describe: 'gVisor platform (default systrap; ptrace for the 2022 runsc)' },
  { key: 'rootfs', env: ['SKYSCALE_ROOTFS'], flag: 'rootfs', describe: 'sandbox root filesystem (default <cache>/rootfs/current)' },
  { key: 'agentPath', env: ['SKYSCALE_AGENT'], flag: 'agent', describe: 'the agent binary (default build/agent/skyscale-agent)' },
  { key: 'maxSandboxes', env: ['SKYSCALE_MAX_SANDBOXES'], flag: 'max-sandboxes', describe: 'sandboxes this node runs at once (default 32)' },
  { key: 'maxColdStarts', env: ['SKYSCALE_MAX_COLD_STARTS'], flag: 'max-cold-starts', describe: 'cold starts at once (default: the number of CPU cores)' },
  { key: 'idleTtlMs', env: ['SKYSCALE_IDLE_TTL_SECONDS'], flag: 'idle-ttl', describe: 'seconds an idle warm instance is kept (default 600)' },
  { key: 'freezeAfterMs', env: ['SKYSCALE_FREEZE_AFTER_MS'], flag: 'freeze-after-ms', describe: `milliseconds an idle sandbox runs before it is frozen; 0: never (default ${DEFAULT_FREEZE_AFTER_MS})` },
  { key: 'queueWaitMs', env: ['SKYSCALE_QUEUE_WAIT_MS'], flag: 'queue-wait-ms', describe: 'longest wait for a free slot before 429 (default 10000)' },
  { key: 'maxQueued', env: ['SKYSCALE_QUEUE_MAX'], flag: 'queue-max', describe: 'invocations waiting for a slot at most (default 1000)' },
  { key: 'warmPools', env: ['SKYSCALE_WARM_POOL_SIZE', 'WARM_POOL_SIZE'], flag: 'warm-pool-size', describe: 'pre-warmed generic sandboxes for python/128 MB (default 5)' },
];

/** Extra pre-warmed classes beside the default: SKYSCALE_WARM_POOLS="python:256=2,python:512=1". */
const WARM_POOLS_ENV = 'SKYSCALE_WARM_POOLS';

export type RawSettings = Partial<Record<string, string>>;

export function loadConfig(env: NodeJS.ProcessEnv, flags: RawSettings = {}): ServerConfig {
  const raw = (key: keyof ServerConfig): string | undefined => {
    const s = SETTINGS.find((x) => x.key === key)!;
    if (flags[s.flag] !== undefined) return flags[s.flag];
    for (const name of s.env) if (env[name] !== undefined && env[name] !== '') return env[name];
    return undefined;
  };
  const problems: string[] = [];
  const int = (key: keyof ServerConfig, fallback: number, min: number, max: number): number => {
    const v = raw(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
      return fallback;
    }
    return n;
  };

  const home = env.HOME ?? homedir();
  const dataDir = resolve(raw('dataDir') ?? join(home, '.skyscale'));
  const cacheDir = resolve(raw('cacheDir') ?? join(env.XDG_CACHE_HOME ?? join(home, '.cache'), 'skyscale'));
  const sandbox = (raw('sandbox') ?? 'auto') as SandboxChoice;
  if (!['gvisor', 'namespace', 'process', 'auto'].includes(sandbox)) problems.push(`sandbox must be gvisor, namespace, process or auto (got ${JSON.stringify(sandbox)})`);
  const adminKey = raw('adminKey') ?? null;
  if (adminKey !== null && !/^[A-Za-z0-9_-]{4,64}\.[A-Za-z0-9_-]{16,128}$/.test(adminKey)) {
    problems.push('admin key must look like <id>.<secret> (id 4-64 and secret 16-128 letters, digits, "-" or "_")');
  }
  const logLevel = raw('logLevel') ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) problems.push(`log level ${JSON.stringify(logLevel)} is not one of trace, debug, info, warn, error`);

  const config: ServerConfig = {
    host: raw('host') ?? '127.0.0.1',
    port: int('port', 8080, 0, 65535),
    dataDir,
    dbPath: resolve(raw('dbPath') ?? join(dataDir, 'skyscale.db')),
    sandbox,
    adminKey,
    logLevel,
    cacheDir,
    runsc: raw('runsc') ?? null,
    runscPlatform: raw('runscPlatform') ?? 'systrap',
    rootfs: resolve(raw('rootfs') ?? join(cacheDir, 'rootfs', 'current')),
    agentPath: resolve(raw('agentPath') ?? repoPath('build/agent/skyscale-agent')),
    pythonBootstrap: repoPath('runtimes/python/bootstrap.py'),
    hostPython: 'python3',
    maxSandboxes: int('maxSandboxes', 32, 1, 10_000),
    maxColdStarts: int('maxColdStarts', Math.max(2, availableParallelism()), 1, 1000),
    idleTtlMs: int('idleTtlMs', 600, 1, 86_400) * 1000,
    freezeAfterMs: int('freezeAfterMs', DEFAULT_FREEZE_AFTER_MS, 0, 3_600_000),
    queueWaitMs: int('queueWaitMs', 10_000, 0, 600_000),
    maxQueued: int('maxQueued', 1000, 0, 1_000_000),
    warmPools: warmPools(int('warmPools', 5, 0, 1000), env[WARM_POOLS_ENV], problems),
  };
  if (problems.length) throw new SkyscaleError('ValidationError', `invalid server settings: ${problems.join('; ')}`, { details: { problems } });
  return config;
}

function warmPools(defaultSize: number, spec: string | undefined, problems: string[]): ServerConfig['warmPools'] {
  const pools = new Map<string, ServerConfig['warmPools'][number]>([['python:128', { runtime: 'python', memoryMb: 128, size: defaultSize }]]);
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(python):(\d+)=(\d+)$/.exec(part);
    if (!m || Number(m[2]) < 128 || Number(m[2]) > 10240 || Number(m[3]) > 1000) {
      problems.push(`${WARM_POOLS_ENV} entries look like python:<memory MB 128-10240>=<size> (got ${JSON.stringify(part)})`);
      continue;
    }
    pools.set(`${m[1]}:${m[2]}`, { runtime: m[1]!, memoryMb: Number(m[2]), size: Number(m[3]) });
  }
  return [...pools.values()];
}
