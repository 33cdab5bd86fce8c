// Assembles the control plane from its parts (store, registry, driver, pools,
// scheduler) and puts the API on top. assemble() builds the services without HTTP and
// buildApp() the HTTP app without listen(), so tests can inject() with a fake driver.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './api/app.js';
import { ApiKeys } from './auth/api-keys.js';
import { loadOrCreateMasterKey } from './auth/master-key.js';
import type { ServerConfig } from './config.js';
import { InvocationRecorder } from './observe/invocation-recorder.js';
import { CodeStore } from './registry/code-store.js';
import { Registry } from './registry/registry.js';
import { createDriver } from './sandbox/factory.js';
import { GenericPool } from './pool/generic-pool.js';
import { IdleFreezer } from './pool/idle-freezer.js';
import { InstancePool } from './pool/instance-pool.js';
import { InstanceStarter } from './pool/instance-starter.js';
import { Provisioner } from './pool/provisioner.js';
import { SandboxBudget } from './pool/sandbox-budget.js';
import { Admission } from './scheduler/admission.js';
import { Invoker } from './scheduler/invoker.js';
import { Placement } from './scheduler/placement.js';
import { NodeStatusReport } from './scheduler/node-status.js';
import type { NodeStatus } from './model/node-status.js';
import { openDatabase } from './store/database.js';
import { FunctionsTable } from './store/functions-table.js';
import { AliasesTable } from './store/aliases-table.js';
import { ApiKeysTable } from './store/api-keys-table.js';
import { InvocationsTable } from './store/invocations-table.js';
import type { SandboxDriver } from './sandbox/driver.js';
import { VERSION } from './version.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  driver: SandboxDriver;
  /** set when this start generated the admin key */
  generatedAdminKey: string | null;
  close(): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({ level, redact: ['req.headers.authorization', '*.adminKey', '*.secret'] });
}

export interface Services {
  log: Logger;
  keys: ApiKeys;
  registry: Registry;
  invoker: Invoker;
  recorder: InvocationRecorder;
  status: NodeStatus;
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
  const db = openDatabase(config.dbPath);
  const keys = new ApiKeys(new ApiKeysTable(db), loadOrCreateMasterKey(config.dataDir));
  const generatedAdminKey = bootstrapAdminKey(config, keys);
  const registry = new Registry(new FunctionsTable(db), new CodeStore(join(config.dataDir, 'code')), { aliases: new AliasesTable(db) });
  const recorder = new InvocationRecorder(new InvocationsTable(db), log);
  const driver = givenDriver ?? await createDriver(config, log);
  const budget = new SandboxBudget(config.maxSandboxes);
  // Joining order is eviction order: idle instances go before pre-warmed sandboxes.
  const instances = new InstancePool({ driver, budget, log, idleTtlMs: config.idleTtlMs });
  const generic = new GenericPool({ driver, budget, log, classes: config.warmPools });
  const freezer = new IdleFreezer({ afterMs: driver.capabilities.freeze ? config.freezeAfterMs : 0, sources: [instances, generic], log });
  const starter = new InstanceStarter({ generic, instances, log });
  const provisioner = new Provisioner({ source: registry, instances, starter, budget, log });
  const placement = new Placement({ instances, generic, starter, readCode: (v) => registry.readCode(v), log, maxColdStarts: config.maxColdStarts });
  const admission = new Admission({ nodeLimit: config.maxSandboxes, queueWaitMs: config.queueWaitMs, maxQueued: config.maxQueued, limitFor: (name) => registry.reservedConcurrency(name) });
  const invoker = new Invoker(registry, placement, admission, recorder, log);
  registry.onChange((e) => {
    if (e.kind === 'deleted') recorder.forgetFunction(e.name);
  });
  generic.refill();
  const status: NodeStatus = new NodeStatusReport({ version: VERSION, driver, generic, instances, admission, freezeAfterMs: config.freezeAfterMs });
  const close = async () => {
    freezer.shutdown();
    placement.shutdown();
    await provisioner.shutdown();
    await generic.shutdown();
    await instances.shutdown();
    await driver.shutdown();
    recorder.flush();
    db.close();
  };
  return { log, keys, registry, invoker, recorder, status, driver, generatedAdminKey, close };
}

export async function startServer(config: ServerConfig, log: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const services = await assemble(config, log);
  const app = buildApp(services);
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
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, sandbox: services.driver.describe(), dataDir: config.dataDir }, 'skyscale is serving');
  return { app, url, driver: services.driver, generatedAdminKey: services.generatedAdminKey, close };
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
