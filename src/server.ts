// Assembles the control plane from its parts (store, registry, driver, pools,
// scheduler) and puts the API on top. assemble() builds the services without HTTP and
// buildApp() the HTTP app without listen(), so tests can inject() with a fake driver.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './api/app.js';
import { ApiKeys } from './auth/api-keys.js';
import { loadOrCreateMasterKey, seal, unseal } from './auth/master-key.js';
import { RateLimits } from './auth/rate-limits.js';
import type { ServerConfig } from './config.js';
import { SkyscaleError } from './errors.js';
import { AuditLog } from './observe/audit-log.js';
import { DEFAULT_SETTINGS } from './model/function-config.js';
import { InvocationRecorder } from './observe/invocation-recorder.js';
import { LogRetention } from './observe/log-retention.js';
import { LiveLogs } from './observe/live-logs.js';
import { MetricRollups } from './observe/metric-rollups.js';
import { PrometheusMetrics } from './observe/prometheus-metrics.js';
import { CodeStore } from './registry/code-store.js';
import { Registry } from './registry/registry.js';
import { lockDataDir } from './data-dir-lock.js';
import { availabilityProbe, createDriver } from './sandbox/factory.js';
import { createAsyncQueue, type AsyncInvocations } from './queue/async-invocations.js';
import { hostWalls, PolicedWebhookSender, webhookPolicy } from './queue/webhook.js';
import { parseCidr } from './model/ip-address.js';
import { SandboxDependencyBuilder } from './dependencies/dependency-builder.js';
import { ScheduleRunner, systemClock } from './schedules/schedule-runner.js';
import { Schedules } from './schedules/schedules.js';
import { SchedulesTable } from './store/schedules-table.js';
import { Provisioner } from './pool/provisioner.js';
import type { Invoker } from './scheduler/invoker.js';
import { createScheduler } from './scheduler/assembly.js';
import { NodeStatusReport } from './scheduler/node-status.js';
import type { NodeStatus } from './model/node-status.js';
import { DatabaseSpace, openDatabase } from './store/database.js';
import { FunctionsTable } from './store/functions-table.js';
import { TagsTable } from './store/tags-table.js';
import { AliasesTable } from './store/aliases-table.js';
import { ApiKeysTable } from './store/api-keys-table.js';
import { AuditTable } from './store/audit-table.js';
import { InvocationsTable } from './store/invocations-table.js';
import { MetricMinutesTable } from './store/metric-minutes-table.js';
import type { SandboxDriver } from './sandbox/driver.js';
import { imageRuntimes } from './sandbox/image-runtimes.js';
import { RuntimeSet, runtimeFamily } from './model/runtimes.js';
import { VERSION } from './version.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  driver: SandboxDriver;
  /** set when this start generated the admin key */
  generatedAdminKey: string | null;
  close(): Promise<void>;
}

/**
 * Keys, settings sent with a deploy and function env values are never logged, even
 * where a record carrying them is.
 */
export const LOG_REDACT = [
  'req.headers.authorization', 'req.headers["skyscale-settings"]', '*.adminKey', '*.secret',
  ...['env', 'secretEnv', 'Environment', 'Variables'].flatMap((k) => [k, `*.${k}`]),
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: LOG_REDACT }, destination);
}

export interface Services {
  log: Logger;
  keys: ApiKeys;
  registry: Registry;
  invoker: Invoker;
  /** the durable queue of asynchronous (Event) invocations, and their event invoke configs */
  asyncInvocations: AsyncInvocations;
  /** rate and cron schedules, each firing an asynchronous invocation */
  schedules: Schedules;
  recorder: InvocationRecorder;
  /** keeps invocation records and logs within their age and size limits */
  retention: LogRetention;
  status: NodeStatus;
  /** the Prometheus metrics (GET /metrics) */
  metrics: PrometheusMetrics;
  /** per-function per-minute rollups (GET /v1/metrics, /v1/functions/{name}/metrics) */
  rollups: MetricRollups;
  /** who follows which function's logs (GET /v1/functions/{name}/logs/stream) */
  liveLogs: LiveLogs;
  limits: RateLimits;
  audit: AuditLog;
  driver: SandboxDriver;
  /** set when this start generated the admin key */
  generatedAdminKey: string | null;
  /** stops every sandbox and closes the database */
  close(): Promise<void>;
}

/**
 * Builds the control plane's services on one driver (the configured one, or one
 * handed in, such as a test's fake), without any HTTP: buildApp() puts the API on top.
 */
export async function assemble(config: ServerConfig, log: Logger, givenDriver?: SandboxDriver): Promise<Services> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = lockDataDir(config.dataDir);
  try {
    const services = await assembleOn(config, log, givenDriver);
    return { ...services, close: () => services.close().finally(() => lock.release()) };
  } catch (err) {
    lock.release();
    throw err;
  }
}

async function assembleOn(config: ServerConfig, log: Logger, givenDriver?: SandboxDriver): Promise<Services> {
  const db = openDatabase(config.dbPath);
  const masterKey = loadOrCreateMasterKey(config.dataDir);
  const keys = new ApiKeys(new ApiKeysTable(db), masterKey);
  const generatedAdminKey = bootstrapAdminKey(config, keys);
  // the runtimes the sandbox image carries; a driver handed in (a test's fake) serves those of a fresh image
  const runtimes = givenDriver ? undefined : new RuntimeSet(imageRuntimes(config.rootfs));
  const registry = new Registry(new FunctionsTable(db), new CodeStore(join(config.dataDir, 'code')), {
    aliases: new AliasesTable(db), tags: new TagsTable(db), defaults: { ...DEFAULT_SETTINGS, network: config.defaultNetwork }, ...(runtimes ? { runtimes } : {}),
    secrets: { seal: (plaintext, context) => seal(masterKey, plaintext, context), unseal: (sealed, context) => unseal(masterKey, sealed, context) },
  });
  const invocations = new InvocationsTable(db);
  const retention = new LogRetention({ table: invocations, space: new DatabaseSpace(db), log, policy: { maxAgeMs: config.logRetentionMs, maxBytes: config.logRetentionBytes } });
  const recorder = new InvocationRecorder(invocations, log, { afterWrite: (bytes) => retention.noteWritten(bytes) });
  retention.start();
  const audit = new AuditLog(new AuditTable(db), log, { maxAgeMs: config.auditRetentionMs });
  const driver = givenDriver ?? await createDriver(config, log);
  registry.useDependencyBuilder(new SandboxDependencyBuilder({
    driver, dataDir: config.dataDir, handlersDir: config.buildHandlersDir, hosts: config.buildHosts, log,
    limits: { timeoutMs: config.buildTimeoutMs, maxBytes: config.buildMaxBytes, memoryMb: config.buildMemoryMb },
    pipIndexUrl: config.buildPipIndexUrl, npmRegistry: config.buildNpmRegistry, caFile: config.buildCaFile,
  }));
  const rollups = new MetricRollups({ table: new MetricMinutesTable(db), log, retentionMs: config.metricsRetentionMs });
  rollups.start();
  // the scrape reads the node's report, which needs the scheduler: bound once it exists
  let status: NodeStatus | null = null;
  const metrics = new PrometheusMetrics({ pool: () => status!.pool(), functionNames: () => registry.list().map((f) => f.name) }, { version: VERSION, driver: driver.name });
  const limits = new RateLimits({
    keyRequestsPerSecond: config.keyRate, keyBurst: config.keyBurst, keyConcurrentInvocations: config.keyConcurrency,
    urlRequestsPerSecond: config.urlRate, urlBurst: config.urlBurst, unverifiedBodyBytes: config.unverifiedBodyMb * 1024 * 1024,
  }, Date.now, (kind) => metrics.refused(kind));
  // which runtime families (and network modes) deployed functions use: the pre-warmed
  // pool keeps its Node.js classes only for those
  let poolClassesInUse = classesInUse(registry);
  const liveLogs = new LiveLogs();
  const scheduler = createScheduler({
    driver, log, settings: config, versions: registry, readCode: (v) => registry.readCode(v), records: recorder, limitFor: (name) => registry.reservedConcurrency(name),
    openSecrets: (v) => registry.openSecrets(v),
    poolInUse: () => poolClassesInUse,
    live: liveLogs,
    observer: {
      invoked: (r) => { metrics.invoked(r); rollups.invoked(r); },
      throttled: (name) => { metrics.throttled(name); rollups.throttled(name); },
    },
  });
  const { budget, instances, generic, starter, admission, invoker } = scheduler;
  const provisioner = new Provisioner({ source: registry, instances, starter, budget, log });
  // webhooks never reach this host (its addresses, and the sandbox network's gateways on it), whatever the allowlist says
  const sandboxNetwork = parseCidr(config.sandboxNetwork);
  const webhookWalls = [...hostWalls(), ...(sandboxNetwork ? [{ range: sandboxNetwork, why: 'the sandbox network' }] : [])];
  const webhooks = new PolicedWebhookSender({ policy: await webhookPolicy(config.webhookAllow, undefined, webhookWalls), timeoutMs: config.webhookTimeoutMs });
  const queue = createAsyncQueue({ db, functions: registry, runner: invoker, capacity: () => admission.stats(), settings: config, log, webhooks });
  queue.start();
  const scheduleRunner = new ScheduleRunner({ table: new SchedulesTable(db), intake: queue.intake, clock: systemClock, log });
  const schedules = new Schedules(new SchedulesTable(db), scheduleRunner, registry, systemClock, config.scheduleMinIntervalS);
  scheduleRunner.start();
  registry.onChange((e) => {
    if (e.kind === 'deleted') {
      recorder.forgetFunction(e.name);
      metrics.forgetFunction(e.name);
      rollups.forgetFunction(e.name);
    }
    poolClassesInUse = classesInUse(registry);
    generic.refill();
  });
  generic.refill();
  // Packages let go of are removed once their grace period is over, even when no
  // further change comes along to trigger a sweep.
  const sweeper = setInterval(() => {
    try {
      registry.sweepCode();
    } catch (err) {
      log.warn({ err }, 'sweeping the code store failed; will try again');
    }
    try {
      // finished asynchronous invocations are kept as long as invocation records
      queue.invocations.prune(new Date(Date.now() - config.logRetentionMs).toISOString());
      queue.invocations.pruneDeadLetters(new Date(Date.now() - config.deadLetterRetentionDays * 86_400_000).toISOString());
    } catch (err) {
      log.warn({ err }, 'pruning finished asynchronous invocations failed; will try again');
    }
  }, 60_000).unref();
  status = new NodeStatusReport({ version: VERSION, driver, generic, instances, budget, admission, freezeAfterMs: config.freezeAfterMs,
    drivers: availabilityProbe(config) });
  const close = async () => {
    clearInterval(sweeper);
    scheduleRunner.close();
    queue.close();
    provisioner.shutdown();
    await scheduler.shutdown();
    await driver.shutdown();
    await retention.stop();
    recorder.flush();
    rollups.stop();
    audit.close();
    db.close();
  };
  return { log, keys, registry, invoker, asyncInvocations: queue.invocations, schedules, recorder, retention, status, metrics, rollups, liveLogs, limits, audit, driver, generatedAdminKey, close };
}

/** Starts the services (on the configured driver, or one handed in) and listens: HTTPS when given a certificate and key. */
export async function startServer(config: ServerConfig, log: Logger = createLogger(config.logLevel), givenDriver?: SandboxDriver): Promise<RunningServer> {
  const https = readTls(config);
  const services = await assemble(config, log, givenDriver);
  const app = buildApp(services, { ...(https ? { https } : {}), timeouts: config });
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= (async () => {
    await app.close();
    await services.close();
  })());
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `${https ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, sandbox: services.driver.describe(), dataDir: config.dataDir }, 'skyscale is serving');
  return { app, url, driver: services.driver, generatedAdminKey: services.generatedAdminKey, close };
}

/** The certificate and key files, read once at start; a file that cannot be read stops the start with its name. */
function readTls(config: ServerConfig): { cert: Buffer; key: Buffer } | null {
  if (!config.tlsCert || !config.tlsKey) return null;
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new SkyscaleError('ValidationError', `cannot read the TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        { hint: 'give --tls-cert and --tls-key (SKYSCALE_TLS_CERT, SKYSCALE_TLS_KEY) as PEM files the server can read' });
    }
  };
  return { cert: read(config.tlsCert, 'certificate'), key: read(config.tlsKey, 'private key') };
}

/**
 * The configured admin key is (re)stored on every start; without one, the first
 * start generates a key, saves it (mode 0600) in the data dir and returns it once.
 */
function bootstrapAdminKey(config: ServerConfig, keys: ApiKeys): string | null {
  const keep = (key: string, name: string) => keys.putBootstrapAdmin(key, name);
  if (config.adminKey) {
    keep(config.adminKey, 'bootstrap admin (SKYSCALE_ADMIN_KEY)');
    return null;
  }
  const file = join(config.dataDir, 'admin-key');
  if (existsSync(file)) {
    keep(readFileSync(file, 'utf8').trim(), 'bootstrap admin (generated)');
    return null;
  }
  const key = ApiKeys.generate();
  keep(key, 'bootstrap admin (generated)');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** "family:network" of every function with code deployed ("node22:outbound"). */
function classesInUse(registry: Registry): ReadonlySet<string> {
  const out = new Set<string>();
  for (const fn of registry.list()) {
    const family = runtimeFamily(fn.runtime);
    if (family && fn.latestVersion !== null) out.add(`${family}:${fn.network}`);
  }
  return out;
}
