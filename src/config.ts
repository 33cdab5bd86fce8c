// Every server setting in one typed place, read once at start: flags win over the
// SKYSCALE_* environment variables, which win over the seed README's names (PORT,
// DB_PATH, LOG_LEVEL, WARM_POOL_SIZE), which win over the defaults. Nothing else in
// the control plane reads process.env.
import { DEFAULT_BUILD_HOSTS } from './model/dependency-build.js';
import { existsSync } from 'node:fs';
import { availableParallelism, homedir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { SkyscaleError } from './errors.js';
import { NETWORK_MODES, parseAllowlist, type NetworkMode } from './model/egress-policy.js';
import { parseCidr } from './model/ip-address.js';
import { IMAGE_RUNTIMES, runtimeFamily } from './model/runtimes.js';
import { repoPath } from './paths.js';

export type SandboxChoice = 'gvisor' | 'namespace' | 'process' | 'docker' | 'docker-runsc' | 'auto';

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
  /** the Docker engine of the docker drivers: unix:///path (default unix:///var/run/docker.sock) */
  dockerHost: string;
  rootfs: string;
  agentPath: string;
  pythonBootstrap: string;
  /** the built-in Node.js runtime (runtimes/node/bootstrap.mjs) */
  nodeBootstrap: string;
  hostPython: string;
  maxSandboxes: number;
  /** MB the memory limits of the node's sandboxes (running, idle, pre-warmed, starting) may add up to */
  memoryBudgetMb: number;
  maxColdStarts: number;
  idleTtlMs: number;
  freezeAfterMs: number;
  queueWaitMs: number;
  maxQueued: number;
  /** pre-warmed classes; `whenUsed` ones are kept only while a deployed function is of their runtime family and network mode */
  warmPools: { runtime: string; memoryMb: number; network: NetworkMode; size: number; whenUsed?: boolean }[];
  /** invocation records and logs older than this are deleted */
  logRetentionMs: number;
  /** the oldest invocation records and logs are deleted while the database is larger than this */
  logRetentionBytes: number;
  /** audit log entries older than this are deleted */
  auditRetentionMs: number;
  /** per-minute metric rollups older than this are deleted */
  metricsRetentionMs: number;
  /** PEM certificate (chain) and private key files: with both, the server speaks HTTPS only */
  tlsCert: string | null;
  tlsKey: string | null;
  /** the request's headers must have arrived within this */
  headersTimeoutMs: number;
  /** the whole request, headers and body, must have arrived within this (a slowly sent body is cut off: 408) */
  requestTimeoutMs: number;
  /** an idle keep-alive connection is closed after this */
  keepAliveTimeoutMs: number;
  /** requests per second per API key (0: no limit) */
  keyRate: number;
  keyBurst: number;
  /** invocations running at once per API key (0: no limit) */
  keyConcurrency: number;
  /** requests per second per public (AuthType NONE) function URL and client address (0: no limit) */
  urlRate: number;
  urlBurst: number;
  /** MB of request bodies buffered at once, node-wide, before their SigV4 signature can be checked */
  unverifiedBodyMb: number;
  /** the network of a function that does not choose one */
  defaultNetwork: NetworkMode;
  /** the IPv4 range sandboxes' links are numbered from (a /30 each) */
  sandboxNetwork: string;
  /** resolvers the sandboxes' DNS queries are forwarded to ("host" or "host:port"); null: the host's /etc/resolv.conf */
  dnsServers: string[] | null;
  /** a dependency build's time limit */
  buildTimeoutMs: number;
  /** the dependencies a build installs, unpacked, at most */
  buildMaxBytes: number;
  /** a build sandbox's memory */
  buildMemoryMb: number;
  /** what a build sandbox may reach: the package indexes (allow entries: names, addresses, ranges) */
  buildHosts: string[];
  /** pip --index-url for builds (null: PyPI) */
  buildPipIndexUrl: string | null;
  /** npm --registry for builds (null: registry.npmjs.org) */
  buildNpmRegistry: string | null;
  /** PEM certificates a build trusts besides the image's (a TLS-inspecting proxy's, a private index's CA); null: none */
  buildCaFile: string | null;
  /** runtimes/dependencies/: the build steps run in build sandboxes */
  buildHandlersDir: string;
  /** asynchronous invocation attempts running at once at most */
  asyncConcurrency: number;
  /** the wait before an asynchronous invocation's first retry (the second waits twice this) */
  asyncRetryBaseMs: number;
  /** how long an accepted event waits for others to share its commit (0: those that arrive in the same turn of the event loop) */
  asyncCommitWindowMs: number;
  /** the shortest schedule rate, in seconds: 60 (a minute, EventBridge's); lower only for tests */
  scheduleMinIntervalS: number;
  /** private addresses, ranges or hosts webhook destinations may reach (the egress policy's allow entries; loopback, link-local and this host never) */
  webhookAllow: string[];
  /** attempts of a webhook delivery before it is dead-lettered */
  webhookAttempts: number;
  /** how long a webhook has to answer */
  webhookTimeoutMs: number;
  /** days a dead letter is kept */
  deadLetterRetentionDays: number;
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
  { key: 'sandbox', env: ['SKYSCALE_SANDBOX'], flag: 'sandbox', describe: 'gvisor | namespace | docker | docker-runsc | process | auto (default auto: gvisor where it works)' },
  { key: 'adminKey', env: ['SKYSCALE_ADMIN_KEY'], flag: 'admin-key', describe: 'bootstrap admin key <id>.<secret> (default: generated once, saved in the data dir)' },
  { key: 'logLevel', env: ['SKYSCALE_LOG_LEVEL', 'LOG_LEVEL'], flag: 'log-level', describe: 'trace | debug | info | warn | error (default info)' },
  { key: 'cacheDir', env: ['SKYSCALE_CACHE_DIR'], flag: 'cache-dir', describe: 'where setup put runsc and the root filesystem (default ~/.cache/skyscale)' },
  { key: 'runsc', env: ['SKYSCALE_RUNSC'], flag: 'runsc', describe: 'runsc binary (default <cache>/bin/runsc, else /usr/bin/runsc)' },
  { key: 'runscPlatform', env: ['SKYSCALE_RUNSC_PLATFORM'], flag: 'runsc-platform', describe: 'gVisor platform (default systrap; ptrace for the 2022 runsc)' },
  { key: 'dockerHost', env: ['DOCKER_HOST'], flag: 'docker-host', describe: 'the Docker engine of the docker drivers, unix:///path (default unix:///var/run/docker.sock)' },
  { key: 'rootfs', env: ['SKYSCALE_ROOTFS'], flag: 'rootfs', describe: 'sandbox root filesystem (default <cache>/rootfs/current)' },
  { key: 'agentPath', env: ['SKYSCALE_AGENT'], flag: 'agent', describe: 'the agent binary (default build/agent/skyscale-agent)' },
  { key: 'maxSandboxes', env: ['SKYSCALE_MAX_SANDBOXES'], flag: 'max-sandboxes', describe: 'sandboxes this node runs at once (default 32)' },
  { key: 'memoryBudgetMb', env: ['SKYSCALE_MEMORY_BUDGET'], flag: 'memory-budget', describe: "what the memory limits of the node's sandboxes may add up to, busy and idle: a share of host memory (\"80%\") or MB (\"16384\") (default 80%)" },
  { key: 'maxColdStarts', env: ['SKYSCALE_MAX_COLD_STARTS'], flag: 'max-cold-starts', describe: 'cold starts at once (default: the number of CPU cores)' },
  { key: 'idleTtlMs', env: ['SKYSCALE_IDLE_TTL_SECONDS'], flag: 'idle-ttl', describe: 'seconds an idle warm instance is kept (default 600)' },
  { key: 'freezeAfterMs', env: ['SKYSCALE_FREEZE_AFTER_MS'], flag: 'freeze-after-ms', describe: `milliseconds an idle sandbox runs before it is frozen; 0: never (default ${DEFAULT_FREEZE_AFTER_MS})` },
  { key: 'queueWaitMs', env: ['SKYSCALE_QUEUE_WAIT_MS'], flag: 'queue-wait-ms', describe: 'longest wait for a free slot before 429 (default 10000)' },
  { key: 'maxQueued', env: ['SKYSCALE_QUEUE_MAX'], flag: 'queue-max', describe: 'invocations waiting for a slot at most (default 1000)' },
  { key: 'warmPools', env: ['SKYSCALE_WARM_POOL_SIZE', 'WARM_POOL_SIZE'], flag: 'warm-pool-size', describe: 'pre-warmed generic sandboxes for python/128 MB, of each network mode (default 5); as many for each Node.js runtime and mode deployed functions use' },
  { key: 'logRetentionMs', env: ['SKYSCALE_LOG_RETENTION_DAYS'], flag: 'log-retention-days', describe: 'days invocation records and logs are kept (default 7)' },
  { key: 'logRetentionBytes', env: ['SKYSCALE_LOG_RETENTION_MB'], flag: 'log-retention-mb', describe: 'MB the database may hold before the oldest invocation records and logs go (default 512)' },
  { key: 'auditRetentionMs', env: ['SKYSCALE_AUDIT_RETENTION_DAYS'], flag: 'audit-retention-days', describe: 'days audit log entries are kept (default 365)' },
  { key: 'metricsRetentionMs', env: ['SKYSCALE_METRICS_RETENTION_DAYS'], flag: 'metrics-retention-days', describe: 'days per-minute metric rollups are kept (default 7)' },
  { key: 'tlsCert', env: ['SKYSCALE_TLS_CERT'], flag: 'tls-cert', describe: 'PEM certificate (chain) file: serve HTTPS with it and --tls-key (default: plain HTTP)' },
  { key: 'tlsKey', env: ['SKYSCALE_TLS_KEY'], flag: 'tls-key', describe: "PEM private key file of --tls-cert's certificate" },
  { key: 'headersTimeoutMs', env: ['SKYSCALE_HEADERS_TIMEOUT_SECONDS'], flag: 'headers-timeout', describe: 'seconds for a request\'s headers to arrive (default 10)' },
  { key: 'requestTimeoutMs', env: ['SKYSCALE_REQUEST_TIMEOUT_SECONDS'], flag: 'request-timeout', describe: 'seconds for a whole request, body included, to arrive (default 60)' },
  { key: 'keepAliveTimeoutMs', env: ['SKYSCALE_KEEP_ALIVE_TIMEOUT_SECONDS'], flag: 'keep-alive-timeout', describe: 'seconds an idle keep-alive connection stays open (default 5)' },
  { key: 'keyRate', env: ['SKYSCALE_KEY_RATE'], flag: 'key-rate', describe: 'requests per second per API key, 0 for no limit (default 1000)' },
  { key: 'keyBurst', env: ['SKYSCALE_KEY_BURST'], flag: 'key-burst', describe: 'requests an API key may send at once after a quiet spell (default twice the rate)' },
  { key: 'keyConcurrency', env: ['SKYSCALE_KEY_CONCURRENCY'], flag: 'key-concurrency', describe: 'invocations running at once per API key, 0 for no limit (default 100)' },
  { key: 'urlRate', env: ['SKYSCALE_URL_RATE'], flag: 'url-rate', describe: 'requests per second per public function URL and client address, 0 for no limit (default 100)' },
  { key: 'urlBurst', env: ['SKYSCALE_URL_BURST'], flag: 'url-burst', describe: 'burst per public function URL and client address (default twice the rate)' },
  { key: 'unverifiedBodyMb', env: ['SKYSCALE_UNVERIFIED_BODY_MB'], flag: 'unverified-body-mb', describe: 'MB of bodies held at once before their SigV4 signature can be checked (default 128; at least 67, one zip of 50 MB in base64)' },
  { key: 'defaultNetwork', env: ['SKYSCALE_DEFAULT_NETWORK'], flag: 'default-network', describe: 'outbound | none: the network of a new function that does not choose (default outbound; none with the docker drivers)' },
  { key: 'sandboxNetwork', env: ['SKYSCALE_SANDBOX_NETWORK'], flag: 'sandbox-network', describe: 'IPv4 range, /24 or wider, the sandboxes\' links are numbered from (default 10.211.0.0/16)' },
  { key: 'buildTimeoutMs', env: ['SKYSCALE_BUILD_TIMEOUT_S'], flag: 'build-timeout', describe: 'seconds a dependency build may run (default 300)' },
  { key: 'buildMaxBytes', env: ['SKYSCALE_BUILD_MAX_MB'], flag: 'build-max-mb', describe: 'MB the dependencies a build installs may take, unpacked (default 200)' },
  { key: 'buildMemoryMb', env: ['SKYSCALE_BUILD_MEMORY_MB'], flag: 'build-memory', describe: 'MB of memory of a build sandbox (default 1024)' },
  { key: 'buildHosts', env: ['SKYSCALE_BUILD_HOSTS'], flag: 'build-hosts', describe: 'comma-separated hosts a build may reach (default pypi.org,files.pythonhosted.org,registry.npmjs.org)' },
  { key: 'buildPipIndexUrl', env: ['SKYSCALE_BUILD_PIP_INDEX_URL'], flag: 'build-pip-index-url', describe: 'pip --index-url of builds (default PyPI); add its host to SKYSCALE_BUILD_HOSTS' },
  { key: 'buildNpmRegistry', env: ['SKYSCALE_BUILD_NPM_REGISTRY'], flag: 'build-npm-registry', describe: 'npm --registry of builds (default registry.npmjs.org); add its host to SKYSCALE_BUILD_HOSTS' },
  { key: 'buildCaFile', env: ['SKYSCALE_BUILD_CA_FILE'], flag: 'build-ca-file', describe: 'PEM file of certificates builds trust besides the image\'s (default: the host\'s /etc/ssl/certs/ca-certificates.crt when there is one; "none": the image\'s alone)' },
  { key: 'dnsServers', env: ['SKYSCALE_DNS_SERVERS'], flag: 'dns-servers', describe: 'resolvers the sandboxes\' DNS is forwarded to, comma-separated host[:port] (default: the host\'s /etc/resolv.conf)' },
  { key: 'asyncConcurrency', env: ['SKYSCALE_ASYNC_CONCURRENCY'], flag: 'async-concurrency', describe: 'asynchronous invocations running at once at most (default: the number of CPU cores, at most half of --max-sandboxes)' },
  { key: 'asyncRetryBaseMs', env: ['SKYSCALE_ASYNC_RETRY_BASE_MS'], flag: 'async-retry-base-ms', describe: 'milliseconds before a failed asynchronous invocation\'s first retry; the second waits twice this (default 60000)' },
  { key: 'scheduleMinIntervalS', env: ['SKYSCALE_SCHEDULE_MIN_INTERVAL_S'], flag: 'schedule-min-interval-s', describe: 'the shortest schedule rate in seconds (default 60, a minute); lower it only for tests, to make a schedule fire quickly' },
  { key: 'webhookAllow', env: ['SKYSCALE_WEBHOOK_ALLOW'], flag: 'webhook-allow', describe: 'private addresses, CIDR ranges or host[:port] webhook destinations may reach, comma-separated (default none: public addresses only)' },
  { key: 'webhookAttempts', env: ['SKYSCALE_WEBHOOK_ATTEMPTS'], flag: 'webhook-attempts', describe: 'attempts of a webhook delivery before it is dead-lettered, retried after the async retry base, then twice that, ... (default 3)' },
  { key: 'webhookTimeoutMs', env: ['SKYSCALE_WEBHOOK_TIMEOUT_MS'], flag: 'webhook-timeout-ms', describe: 'milliseconds a webhook destination has to answer (default 10000)' },
  { key: 'deadLetterRetentionDays', env: ['SKYSCALE_DEAD_LETTER_RETENTION_DAYS'], flag: 'dead-letter-retention-days', describe: 'days a dead letter is kept before it is deleted (default 14)' },
  { key: 'asyncCommitWindowMs', env: ['SKYSCALE_ASYNC_COMMIT_WINDOW_MS'], flag: 'async-commit-window-ms', describe: 'milliseconds an accepted event waits for others to share its commit; 0: the same turn of the event loop (default 0)' },
];

/** Extra pre-warmed classes beside the default: SKYSCALE_WARM_POOLS="python:256=2,python:512=1,node22:128=2". */
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
  if (!['gvisor', 'namespace', 'docker', 'docker-runsc', 'process', 'auto'].includes(sandbox)) problems.push(`sandbox must be gvisor, namespace, docker, docker-runsc, process or auto (got ${JSON.stringify(sandbox)})`);
  const adminKey = raw('adminKey') ?? null;
  if (adminKey !== null && !/^[A-Za-z0-9_-]{4,64}\.[A-Za-z0-9_-]{16,128}$/.test(adminKey)) {
    problems.push('admin key must look like <id>.<secret> (id 4-64 and secret 16-128 letters, digits, "-" or "_")');
  }
  // The docker drivers give sandboxes loopback only: there, new functions have none.
  const docker = sandbox === 'docker' || sandbox === 'docker-runsc';
  const defaultNetwork = (raw('defaultNetwork') ?? (docker ? 'none' : 'outbound')) as NetworkMode;
  if (!NETWORK_MODES.includes(defaultNetwork)) problems.push(`default network must be ${NETWORK_MODES.join(' or ')} (got ${JSON.stringify(defaultNetwork)})`);
  else if (docker && defaultNetwork === 'outbound') problems.push(`default network cannot be outbound with the ${sandbox} sandbox driver: its sandboxes have loopback only`);
  const sandboxNetwork = raw('sandboxNetwork') ?? '10.211.0.0/16';
  const range = parseCidr(sandboxNetwork);
  if (!range || range.family !== 4 || range.prefix > 24 || range.prefix < 8) problems.push(`sandbox network must be an IPv4 CIDR range from /8 to /24 (got ${JSON.stringify(sandboxNetwork)})`);
  const dnsServers = raw('dnsServers')?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
  for (const d of dnsServers ?? []) if (!/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])(:\d{1,5})?$/.test(d)) problems.push(`DNS servers are IP addresses with an optional port, e.g. 10.0.0.2 or 127.0.0.1:5353 (got ${JSON.stringify(d)})`);
  const logLevel = raw('logLevel') ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel)) problems.push(`log level ${JSON.stringify(logLevel)} is not one of trace, debug, info, warn, error`);

  const tlsCert = raw('tlsCert') ?? null;
  const tlsKey = raw('tlsKey') ?? null;
  if ((tlsCert === null) !== (tlsKey === null)) problems.push('TLS needs both a certificate and its key (--tls-cert and --tls-key)');

  const keyRate = int('keyRate', 1000, 0, 1_000_000);
  const urlRate = int('urlRate', 100, 0, 1_000_000);
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
    dockerHost: raw('dockerHost') || 'unix:///var/run/docker.sock',
    rootfs: resolve(raw('rootfs') ?? join(cacheDir, 'rootfs', 'current')),
    agentPath: resolve(raw('agentPath') ?? repoPath('build/agent/skyscale-agent')),
    pythonBootstrap: repoPath('runtimes/python/bootstrap.py'),
    nodeBootstrap: repoPath('runtimes/node/bootstrap.mjs'),
    hostPython: 'python3',
    maxSandboxes: int('maxSandboxes', 32, 1, 10_000),
    memoryBudgetMb: memoryBudget(raw('memoryBudgetMb'), problems),
    maxColdStarts: int('maxColdStarts', Math.max(2, availableParallelism()), 1, 1000),
    idleTtlMs: int('idleTtlMs', 600, 1, 86_400) * 1000,
    freezeAfterMs: int('freezeAfterMs', DEFAULT_FREEZE_AFTER_MS, 0, 3_600_000),
    queueWaitMs: int('queueWaitMs', 10_000, 0, 600_000),
    maxQueued: int('maxQueued', 1000, 0, 1_000_000),
    warmPools: warmPools(int('warmPools', 5, 0, 1000), env[WARM_POOLS_ENV], defaultNetwork, problems),
    logRetentionMs: int('logRetentionMs', 7, 1, 3650) * 24 * 3600 * 1000,
    logRetentionBytes: int('logRetentionBytes', 512, 8, 1024 * 1024) * 1024 * 1024,
    auditRetentionMs: int('auditRetentionMs', 365, 1, 36500) * 24 * 3600 * 1000,
    metricsRetentionMs: int('metricsRetentionMs', 7, 1, 3650) * 24 * 3600 * 1000,
    tlsCert: tlsCert === null ? null : resolve(tlsCert),
    tlsKey: tlsKey === null ? null : resolve(tlsKey),
    headersTimeoutMs: int('headersTimeoutMs', 10, 1, 600) * 1000,
    requestTimeoutMs: int('requestTimeoutMs', 60, 1, 3600) * 1000,
    keepAliveTimeoutMs: int('keepAliveTimeoutMs', 5, 1, 600) * 1000,
    keyRate,
    keyBurst: int('keyBurst', Math.max(1, keyRate * 2), 1, 10_000_000),
    keyConcurrency: int('keyConcurrency', 100, 0, 1_000_000),
    urlRate,
    urlBurst: int('urlBurst', Math.max(1, urlRate * 2), 1, 10_000_000),
    unverifiedBodyMb: int('unverifiedBodyMb', 128, 1, 100_000),
    defaultNetwork,
    sandboxNetwork,
    dnsServers,
    buildTimeoutMs: int('buildTimeoutMs', 300, 5, 3600) * 1000,
    buildMaxBytes: int('buildMaxBytes', 200, 1, 250) * 1024 * 1024,
    buildMemoryMb: int('buildMemoryMb', 1024, 128, 10_240),
    buildHosts: raw('buildHosts')?.split(',').map((h) => h.trim()).filter(Boolean) ?? [...DEFAULT_BUILD_HOSTS],
    buildPipIndexUrl: raw('buildPipIndexUrl') ?? null,
    buildNpmRegistry: raw('buildNpmRegistry') ?? null,
    buildCaFile: buildCaFile(raw('buildCaFile')),
    buildHandlersDir: repoPath('runtimes/dependencies'),
    asyncConcurrency: 0,
    asyncRetryBaseMs: int('asyncRetryBaseMs', 60_000, 1, 3_600_000),
    asyncCommitWindowMs: int('asyncCommitWindowMs', 0, 0, 1000),
    scheduleMinIntervalS: int('scheduleMinIntervalS', 60, 1, 86_400),
    webhookAllow: raw('webhookAllow')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [],
    webhookAttempts: int('webhookAttempts', 3, 1, 20),
    webhookTimeoutMs: int('webhookTimeoutMs', 10_000, 100, 300_000),
    deadLetterRetentionDays: int('deadLetterRetentionDays', 14, 1, 3650),
  };
  for (const p of parseAllowlist(config.webhookAllow).problems) problems.push(`webhook ${p}`);
  for (const p of parseAllowlist(config.buildHosts).problems) problems.push(`build hosts: ${p}`);
  // Draining a burst with more sandboxes than cores mostly adds cold starts that take CPU from accepting
  config.asyncConcurrency = int('asyncConcurrency', Math.max(1, Math.min(Math.floor(config.maxSandboxes / 2), availableParallelism())), 1, 10_000);
  // Node refuses a headers timeout longer than the whole request's
  if (config.headersTimeoutMs > config.requestTimeoutMs) problems.push('the headers timeout must not be longer than the request timeout');
  if (problems.length) throw new SkyscaleError('ValidationError', `invalid server settings: ${problems.join('; ')}`, { details: { problems } });
  return config;
}

/**
 * The pre-warmed classes: python/128 MB of each network mode (a sandbox's network is
 * fixed when it boots); the same for each Node.js runtime of a fresh image, but kept
 * only while a deployed function is of that runtime and network mode (`whenUsed`), so
 * a node holds no idle Node.js sandboxes nobody runs; then SKYSCALE_WARM_POOLS, whose
 * entries name the mode or take the default one, and are always kept.
 */
/** Builds trust the host's CA bundle by default, so a host behind a TLS-inspecting proxy builds as its own pip does. */
function buildCaFile(value: string | undefined): string | null {
  if (value === 'none') return null;
  if (value !== undefined) return resolve(value);
  return existsSync(HOST_CA_BUNDLE) ? HOST_CA_BUNDLE : null;
}

const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The memory budget: "80%" of the host's memory (1-100 %), or MB (at least 128). */
export function memoryBudget(value: string | undefined, problems: string[], hostBytes = totalmem()): number {
  const hostMb = Math.floor(hostBytes / (1024 * 1024));
  const share = (percent: number) => Math.floor((hostMb * percent) / 100);
  if (value === undefined) return share(80);
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
  const n = m ? Number(m[1]) : NaN;
  if (m?.[2] === '%' && n > 0 && n <= 100) return share(n);
  if (m && !m[2] && Number.isInteger(n) && n >= 128 && n <= 64 * 1024 * 1024) return n;
  problems.push(`memory budget must be a share of host memory from 1% to 100% (e.g. "80%") or a number of MB from 128 (got ${JSON.stringify(value)})`);
  return share(80);
}

function warmPools(defaultSize: number, spec: string | undefined, defaultNetwork: NetworkMode, problems: string[]): ServerConfig['warmPools'] {
  const pools = new Map<string, ServerConfig['warmPools'][number]>(NETWORK_MODES.map((network) => [`python:128:${network}`, { runtime: 'python', memoryMb: 128, network, size: defaultSize }]));
  for (const family of IMAGE_RUNTIMES.map((r) => runtimeFamily(r.name)).filter((f) => f?.startsWith('node'))) {
    for (const network of NETWORK_MODES) pools.set(`${family}:128:${network}`, { runtime: family!, memoryMb: 128, network, size: defaultSize, whenUsed: true });
  }
  for (const part of (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(python|node\d+):(\d+)(?::(none|outbound))?=(\d+)$/.exec(part);
    if (!m || Number(m[2]) < 128 || Number(m[2]) > 10240 || Number(m[4]) > 1000) {
      problems.push(`${WARM_POOLS_ENV} entries look like python:<memory MB 128-10240>[:none|:outbound]=<size>, or node22:… and node24:… for Node.js (got ${JSON.stringify(part)})`);
      continue;
    }
    const network = (m[3] ?? defaultNetwork) as NetworkMode;
    pools.set(`${m[1]}:${m[2]}:${network}`, { runtime: m[1]!, memoryMb: Number(m[2]), network, size: Number(m[4]) });
  }
  return [...pools.values()];
}
