// Functions and their immutable versions: create, configure, deploy code (a new
// version snapshots the settings and the content-addressed package), publish,
// roll back, resolve a name and qualifier (a version, an alias or $LATEST) to the
// snapshot to run. Resolution is cached in memory and the cache is dropped on every
// change, so the invoke path does no database read. Changes of one function run one
// at a time (function-locks.ts); secret env values are sealed as they are written
// (env-secrets.ts). Aliases and function URL configurations live in aliases.ts and tags
// in tags.ts (a function's first tags are written with it, here); this class owns the
// versions they point at.
import { SkyscaleError } from '../errors.js';
import { isVersionNumber, LATEST } from '../model/names.js';
import type { AliasesTable } from '../store/aliases-table.js';
import type { FunctionsTable } from '../store/functions-table.js';
import type { TagsTable } from '../store/tags-table.js';
import { tagsAfter, validateTags } from '../model/tags.js';
import { Aliases, FunctionUrls } from './aliases.js';
import { Catalog, functionNotFound } from './catalog.js';
import { canonicalizePackage, type DependencyStep } from './code-package.js';
import { dependencyManifest, type BuiltDependencies, type DependencyBuilder } from '../model/dependency-build.js';
import { CodeStore } from './code-store.js';
import { EnvSecrets, type SecretBox } from './env-secrets.js';
import { FunctionLocks } from './function-locks.js';
import { FunctionTags } from './tags.js';
import { DEFAULT_SETTINGS, normalizeSettings, validateFunctionName, type RawFunctionConfig } from '../model/function-config.js';
import type { FunctionChange, FunctionRecord, FunctionSettings, VersionRecord } from '../model/function.js';
import { IMAGE_RUNTIMES, RuntimeSet } from '../model/runtimes.js';

export interface RegistryOptions {
  aliases: AliasesTable;
  tags: TagsTable;
  /** seals secret env values at rest (server.ts: AES-256-GCM under the data directory's master key) */
  secrets: SecretBox;
  now?: () => Date;
  /** the settings a new function starts from (the server's default network mode in them) */
  defaults?: FunctionSettings;
  /** the runtimes this node's sandboxes serve (default: those of a fresh image) */
  runtimes?: RuntimeSet;
}

export interface DeployOptions {
  /** settings for the new snapshot, merged over the function's (which is created if need be) */
  settings?: RawFunctionConfig;
  /** published as a numbered version (default), or only run as $LATEST */
  publish?: boolean;
  /** check the package and report the snapshot it would make, storing nothing */
  dryRun?: boolean;
  /** checked against the function before anything changes, in turn with other changes */
  precondition?: (fn: FunctionRecord) => void;
  /** build the package's requirements.txt / package.json on the server (the native deploy; the Lambda API takes packages as they come) */
  build?: boolean;
  /** told of the dependency build the package needed (its log for the deploy's answer) */
  onBuild?: (built: BuiltDependencies) => void;
}

export class Registry {
  readonly aliases: Aliases;
  readonly urls: FunctionUrls;
  readonly tags: FunctionTags;
  private readonly resolved = new Map<string, VersionRecord>();
  private readonly concurrency = new Map<string, number | null>();
  private warmTargets: { version: VersionRecord; minWarm: number }[] | null = null;
  private readonly listeners: ((e: FunctionChange) => void)[] = [];
  private readonly now: () => Date;
  private readonly secrets: EnvSecrets;
  private readonly defaults: FunctionSettings;
  /** the runtimes a function may ask for here (GET /v1/runtimes) */
  readonly runtimes: RuntimeSet;

  private readonly catalog: Catalog;
  private readonly locks = new FunctionLocks();
  private readonly tagsTable: TagsTable;
  /** builds a deploy's requirements.txt / package.json on the server (none: packages are taken as they come) */
  private builder: DependencyBuilder | null = null;

  constructor(private readonly functions: FunctionsTable, private readonly code: CodeStore, opts: RegistryOptions) {
    this.now = opts.now ?? (() => new Date());
    this.secrets = new EnvSecrets(opts.secrets);
    this.defaults = opts.defaults ?? DEFAULT_SETTINGS;
    this.runtimes = opts.runtimes ?? new RuntimeSet(IMAGE_RUNTIMES);
    this.catalog = new Catalog(functions);
    this.tagsTable = opts.tags;
    this.tags = new FunctionTags(opts.tags, this.catalog, this.locks);
    this.aliases = new Aliases(opts.aliases, this.catalog, this.now, (name) => this.forget(name));
    this.urls = new FunctionUrls(opts.aliases, this.catalog, this.aliases, this.now);
  }

  /** The server's dependency builds (set once the sandbox driver is up). */
  useDependencyBuilder(builder: DependencyBuilder): void {
    this.builder = builder;
  }

  /** The deploy step that builds a package's dependencies, when this registry has a builder. */
  private dependencyStep(runtime: string, onBuild?: (b: BuiltDependencies) => void): DependencyStep | undefined {
    const builder = this.builder;
    if (!builder) return undefined;
    return async (top) => {
      const manifest = dependencyManifest(runtime, top);
      if (!manifest) return null;
      const built = await builder.build(runtime, manifest);
      onBuild?.(built);
      return built.archive;
    };
  }

  onChange(listener: (e: FunctionChange) => void): void {
    this.listeners.push(listener);
  }

  list(): FunctionRecord[] {
    return this.functions.list();
  }

  get(name: string): FunctionRecord {
    return this.catalog.get(name);
  }

  /** Published versions, oldest first. */
  versions(name: string): VersionRecord[] {
    this.get(name);
    return this.functions.listVersions(name);
  }

  /** One published version. */
  version(name: string, number: number): VersionRecord {
    return this.catalog.version(name, number);
  }

  /** The snapshot $LATEST runs (null before the first deploy). */
  latest(name: string): { fn: FunctionRecord; snapshot: VersionRecord | null } {
    const fn = this.get(name);
    return { fn, snapshot: this.latestOf(fn) };
  }

  /** Creates the function, failing if it exists. */
  async create(name: unknown, raw: RawFunctionConfig): Promise<FunctionRecord> {
    const fnName = checkName(name);
    return this.locks.run(fnName, () => {
      this.checkNew(fnName);
      this.functions.insert(fnName, this.settings(fnName, raw), this.now().toISOString());
      return this.get(fnName);
    });
  }

  /** Creates a function with its code in one step (Lambda CreateFunction): nothing is stored if the package is refused. */
  async createWithCode(name: unknown, raw: RawFunctionConfig, packageBytes: Buffer, publish: boolean, tags: Record<string, string> = {}): Promise<VersionRecord> {
    const fnName = checkName(name);
    const checkedTags = tagsAfter({}, validateTags(tags));
    return this.locks.run(fnName, async () => {
      this.checkNew(fnName);
      const settings = this.settings(fnName, raw);
      const pkg = await canonicalizePackage(packageBytes, settings.handler, undefined, settings.runtime);
      return this.snapshot(fnName, pkg.tar, { settings, create: true, publish, tags: checkedTags });
    });
  }

  /** The code store's use and capacity (GetAccountSettings). */
  codeStorage(): { blobs: number; bytes: number; capacityBytes: number } {
    return this.code.usage();
  }

  /** Creates the function or updates its settings; the next deploy snapshots them. */
  async upsert(name: unknown, raw: RawFunctionConfig): Promise<{ fn: FunctionRecord; created: boolean }> {
    const fnName = checkName(name);
    return this.locks.run(fnName, () => {
      const existing = this.functions.get(fnName);
      const settings = this.settings(fnName, raw, existing);
      if (existing) this.functions.updateSettings(fnName, settings, this.now().toISOString());
      else this.functions.insert(fnName, settings, this.now().toISOString());
      return { fn: this.get(fnName), created: !existing };
    });
  }

  /**
   * A deploy: the package becomes a new snapshot that $LATEST runs (published unless
   * `publish` is false, as Lambda's UpdateFunctionCode leaves it). With `settings`
   * (the native deploy) they are merged over the function's current ones and go into
   * the same snapshot, the function being created when it does not exist yet; without
   * them the snapshot takes the function's current settings. Deploys and settings
   * changes of one function run one at a time, so the handler checked against the
   * package, the settings and the code of a snapshot all come from the same request.
   * `precondition` runs first, in turn (Lambda's RevisionId check).
   */
  async deploy(name: string, packageBytes: Buffer, opts: DeployOptions = {}): Promise<VersionRecord> {
    const fnName = opts.settings ? checkName(name) : name;
    return this.locks.run(fnName, async () => {
      const existing = this.functions.get(fnName);
      if (!existing && !opts.settings) throw functionNotFound(fnName);
      if (existing) opts.precondition?.(existing);
      const settings = opts.settings ? this.settings(fnName, opts.settings, existing) : existing!;
      const deps = opts.dryRun || !opts.build ? undefined : this.dependencyStep(settings.runtime, opts.onBuild);
      const pkg = await canonicalizePackage(packageBytes, settings.handler, undefined, settings.runtime, deps);
      if (opts.dryRun) {
        const base = (existing && this.latestOf(existing)) ?? dryRunSnapshot(fnName, settings, this.now().toISOString());
        return { ...base, codeSha256: CodeStore.digest(pkg.tar), codeSize: pkg.tar.length };
      }
      return this.snapshot(fnName, pkg.tar, { settings: opts.settings ? settings : undefined, create: !existing, publish: opts.publish ?? true });
    });
  }

  /**
   * Lambda UpdateFunctionConfiguration: the settings change $LATEST at once. With code
   * deployed, that is a new unpublished snapshot of the same code with the new settings.
   * `raw` may be worked out from the function as it is in this change's turn.
   */
  reconfigure(name: string, raw: RawFunctionConfig | ((fn: FunctionRecord) => RawFunctionConfig), precondition?: (fn: FunctionRecord) => void): Promise<FunctionRecord> {
    return this.locks.run(name, () => {
      const { fn, snapshot } = this.latest(name);
      precondition?.(fn);
      const settings = this.settings(name, typeof raw === 'function' ? raw(fn) : raw, fn);
      const now = this.now().toISOString();
      const version = this.functions.inTransaction(() => {
        this.functions.updateSettings(name, settings, now);
        if (!snapshot || sameSettings(snapshot, settings)) return null;
        return this.functions.addVersion(name, { sha256: snapshot.codeSha256, size: snapshot.codeSize }, now, false);
      });
      if (version) this.changed({ kind: 'deployed', name, version: version.version });
      return this.get(name);
    });
  }

  /** Lambda PublishVersion: $LATEST becomes a version; publishing an unchanged $LATEST returns the version it already is. */
  publish(name: string): VersionRecord {
    const { snapshot } = this.latest(name);
    if (!snapshot) throw notReady(name);
    if (!snapshot.published) {
      this.functions.markPublished(name, snapshot.version);
      this.forget(name);
    }
    return this.functions.getVersion(name, snapshot.version)!;
  }

  /**
   * Moves an alias, or without one $LATEST, back to the newest published version
   * older than the one it points at now.
   */
  rollback(name: string, alias?: string): Promise<{ from: number; to: number; alias?: string }> {
    return this.locks.run(name, () => this.rollbackNow(name, alias));
  }

  private rollbackNow(name: string, alias?: string): { from: number; to: number; alias?: string } {
    const current = alias ? this.aliases.get(name, alias).functionVersion : this.latest(name).fn.latestVersion;
    if (current === null) throw notReady(name);
    const previous = this.versions(name).filter((v) => v.version < current).at(-1);
    if (!previous) {
      throw new SkyscaleError('ValidationError', `${alias ? `alias "${alias}"` : `function "${name}"`} is at version ${current}; there is no earlier version to roll back to`);
    }
    if (alias) {
      this.aliases.put(name, alias, { functionVersion: String(previous.version) }, 'update');
    } else {
      this.functions.setLatest(name, previous, this.now().toISOString());
      this.changed({ kind: 'deployed', name, version: previous.version });
      this.sweepCode();
    }
    return { from: current, to: previous.version, ...(alias ? { alias } : {}) };
  }

  /** Lambda DeleteFunction with a Qualifier: deletes one version nothing points at. */
  deleteVersion(name: string, number: number): void {
    const v = this.version(name, number);
    if (this.get(name).latestVersion === v.version) {
      throw new SkyscaleError('VersionInUse', `version ${number} is what $LATEST runs; deploy or roll back first`);
    }
    const users = this.aliases.list(name).filter((a) => a.functionVersion === number).map((a) => a.name);
    if (users.length) throw new SkyscaleError('VersionInUse', `version ${number} is used by alias ${users.join(', ')}`);
    this.functions.deleteVersion(name, number);
    this.forget(name);
    this.sweepCode();
  }

  /** Deletes the function once a change of it under way is done. */
  delete(name: string): Promise<void> {
    return this.locks.run(name, () => {
      if (!this.functions.delete(name)) throw functionNotFound(name);
      this.urls.forgetFunction(name);
      this.changed({ kind: 'deleted', name });
      this.sweepCode();
    });
  }

  /**
   * Lambda reserved concurrency; null when unset (or for an unknown function). Stored
   * here, enforced by the scheduler on every invocation, so it is cached in memory.
   */
  reservedConcurrency(name: string): number | null {
    let limit = this.concurrency.get(name);
    if (limit === undefined) {
      limit = this.functions.get(name)?.reservedConcurrency ?? null;
      this.concurrency.set(name, limit);
    }
    return limit;
  }

  setMinWarm(name: string, value: unknown): FunctionRecord {
    validateMinWarm(value);
    this.get(name);
    this.functions.setMinWarm(name, value as number);
    this.warmTargets = null;
    return this.get(name);
  }

  /** The versions to keep warm and how many instances of each (cached; dropped on change). */
  minWarmTargets(): { version: VersionRecord; minWarm: number }[] {
    this.warmTargets ??= this.functions.withMinWarm().flatMap(({ name, minWarm }) => {
      try {
        return [{ version: this.resolve(name), minWarm }];
      } catch {
        return []; // no code yet
      }
    });
    return this.warmTargets;
  }

  setReservedConcurrency(name: string, value: number | null): void {
    this.get(name);
    this.functions.setReservedConcurrency(name, value);
    this.concurrency.delete(name);
  }

  /** The version to run: a number, an alias, "$LATEST" or nothing ($LATEST). */
  resolve(name: string, qualifier?: string): VersionRecord {
    const key = `${name}\u0000${qualifier ?? ''}`;
    const hit = this.resolved.get(key);
    if (hit) return hit;
    const fn = this.functions.get(name);
    if (!fn) throw functionNotFound(name);
    let version: VersionRecord | undefined;
    if (qualifier === undefined || qualifier === '' || qualifier === LATEST) {
      if (fn.latestVersion === null) throw notReady(name);
      version = this.functions.getVersion(name, fn.latestVersion);
    } else if (isVersionNumber(qualifier)) {
      version = this.version(name, Number(qualifier));
    } else {
      version = this.version(name, this.aliases.get(name, qualifier).functionVersion);
    }
    if (!version) throw functionNotFound(name);
    this.resolved.set(key, version);
    return version;
  }

  /** The versions the function's aliases point at. */
  aliasVersions(name: string): number[] {
    return this.aliases.list(name).map((a) => a.functionVersion);
  }

  /**
   * The plaintext of a version's secret env values, for its sandbox's init request and
   * nothing else.
   */
  openSecrets(version: VersionRecord): Record<string, string> {
    return this.secrets.open(version);
  }

  readCode(version: VersionRecord): Promise<Buffer> {
    return this.code.get(version.codeSha256);
  }

  /**
   * Lets the code store remove packages nothing refers to (after its grace period):
   * every version row (so every alias and $LATEST) and every resolution still cached
   * here counts as a reference. Runs after each change and now and then (server.ts).
   */
  sweepCode(): number {
    const keep = this.functions.referencedCode();
    for (const v of this.resolved.values()) keep.add(v.codeSha256);
    for (const t of this.warmTargets ?? []) keep.add(t.version.codeSha256);
    return this.code.sweep(keep);
  }

  /** `raw` over `base`, validated, its new secret values sealed for this function. */
  private settings(name: string, raw: RawFunctionConfig, base?: FunctionSettings): FunctionSettings {
    const settings = normalizeSettings(raw, base ?? this.defaults, undefined, this.secrets.sealerFor(name));
    // a runtime named now must be one this node serves (a stored one keeps working as it did)
    if (raw.runtime !== undefined && !this.runtimes.choose(settings.runtime)) {
      const problem = this.runtimes.refusal(settings.runtime);
      throw new SkyscaleError('InvalidFunctionConfig', `function settings are invalid: ${problem}`, {
        details: { problems: [problem], runtimes: this.runtimes.accepted() }, hint: 'GET /v1/runtimes (or `skyscale runtimes`) lists them',
      });
    }
    return settings;
  }

  private checkNew(name: string): void {
    if (this.functions.get(name)) throw new SkyscaleError('FunctionExists', `function "${name}" already exists`, { subject: { function: name }, hint: 'update it with PUT /v1/functions/{name} or `skyscale deploy`' });
  }

  /** The snapshot $LATEST runs, or null before the first deploy. */
  private latestOf(fn: FunctionRecord): VersionRecord | null {
    return fn.latestVersion === null ? null : this.functions.getVersion(fn.name, fn.latestVersion) ?? null;
  }

  /**
   * Stores the package and, in one transaction, the function (created, or its settings
   * updated, when `settings` are given) and the new snapshot $LATEST runs.
   */
  private snapshot(name: string, tar: Buffer, o: { settings: FunctionSettings | undefined; create: boolean; publish: boolean; tags?: Record<string, string> }): VersionRecord {
    const blob = this.code.put(tar);
    const now = this.now().toISOString();
    const version = this.functions.inTransaction(() => {
      if (o.create) this.functions.insert(name, o.settings!, now);
      if (o.create && o.tags) this.tagsTable.put(name, o.tags);
      if (!o.create && o.settings) this.functions.updateSettings(name, o.settings, now);
      return this.functions.addVersion(name, blob, now, o.publish);
    });
    this.changed({ kind: 'deployed', name, version: version.version });
    this.sweepCode();
    return version;
  }

  /** Drops cached resolutions of a function (an alias moved, a version was published or deleted). */
  private forget(name: string): void {
    for (const key of this.resolved.keys()) if (key.startsWith(`${name}\u0000`)) this.resolved.delete(key);
  }

  private changed(e: FunctionChange): void {
    this.forget(e.name);
    this.concurrency.delete(e.name);
    this.warmTargets = null;
    for (const l of this.listeners) l(e);
  }
}

function sameSettings(a: FunctionSettings, b: FunctionSettings): boolean {
  return a.runtime === b.runtime && a.handler === b.handler && a.memoryMb === b.memoryMb && a.timeoutS === b.timeoutS
    && a.description === b.description && JSON.stringify(a.env) === JSON.stringify(b.env) && JSON.stringify(a.secretEnv) === JSON.stringify(b.secretEnv)
    && a.network === b.network && JSON.stringify(a.allow) === JSON.stringify(b.allow);
}

function dryRunSnapshot(name: string, settings: FunctionSettings, now: string): VersionRecord {
  return { ...settings, functionName: name, version: 0, codeSha256: '', codeSize: 0, createdAt: now, published: false };
}

function checkName(name: unknown): string {
  const problems = validateFunctionName(name);
  if (problems.length) throw new SkyscaleError('InvalidFunctionConfig', problems[0]!);
  return name as string;
}

function notReady(name: string): SkyscaleError {
  return new SkyscaleError('FunctionNotReady', `function "${name}" has no code yet`, { hint: `run \`skyscale deploy --name ${name}\`` });
}

export function validateMinWarm(value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 100) {
    throw new SkyscaleError('InvalidFunctionConfig', `minWarm must be a whole number from 0 to 100 (got ${JSON.stringify(value)})`);
  }
}
