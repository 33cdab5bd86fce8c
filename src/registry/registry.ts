// Functions and their immutable versions: create, configure, deploy code (a new
// version snapshots the settings and the content-addressed package), publish,
// roll back, resolve a name and qualifier (a version, an alias or $LATEST) to the
// snapshot to run. Resolution is cached in memory and the cache is dropped on every
// change, so the invoke path does no database read. Aliases and function URL
// configurations live in aliases.ts; this class owns the versions they point at.
import { SkyscaleError } from '../errors.js';
import { isVersionNumber, LATEST } from '../model/names.js';
import type { AliasesTable } from '../store/aliases-table.js';
import type { FunctionsTable } from '../store/functions-table.js';
import { Aliases, FunctionUrls } from './aliases.js';
import { Catalog, functionNotFound } from './catalog.js';
import { canonicalizePackage } from './code-package.js';
import { CodeStore } from './code-store.js';
import { DEFAULT_SETTINGS, normalizeSettings, validateFunctionName, type RawFunctionConfig } from '../model/function-config.js';
import type { FunctionChange, FunctionRecord, FunctionSettings, VersionRecord } from '../model/function.js';


export interface RegistryOptions {
  aliases: AliasesTable;
  now?: () => Date;
  /** the settings a new function starts from (the server's default network mode in them) */
  defaults?: FunctionSettings;
}


export class Registry {
  readonly aliases: Aliases;
  readonly urls: FunctionUrls;
  private readonly resolved = new Map<string, VersionRecord>();
  private readonly concurrency = new Map<string, number | null>();
  private warmTargets: { version: VersionRecord; minWarm: number }[] | null = null;
  private readonly listeners: ((e: FunctionChange) => void)[] = [];
  private readonly now: () => Date;
  private readonly defaults: FunctionSettings;

  private readonly catalog: Catalog;

  constructor(private readonly functions: FunctionsTable, private readonly code: CodeStore, opts: RegistryOptions) {
    this.now = opts.now ?? (() => new Date());
    this.defaults = opts.defaults ?? DEFAULT_SETTINGS;
    this.catalog = new Catalog(functions);
    this.aliases = new Aliases(opts.aliases, this.catalog, this.now, (name) => this.forget(name));
    this.urls = new FunctionUrls(opts.aliases, this.catalog, this.aliases, this.now);
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
    return { fn, snapshot: fn.latestVersion === null ? null : this.functions.getVersion(name, fn.latestVersion) ?? null };
  }

  /** Creates the function, failing if it exists. */
  create(name: unknown, raw: RawFunctionConfig): FunctionRecord {
    const fnName = this.checkNew(name);
    const settings = normalizeSettings(raw, this.defaults);
    this.functions.insert(fnName, settings, this.now().toISOString());
    return this.get(fnName);
  }

  /** Creates a function with its code in one step (Lambda CreateFunction): nothing is stored if the package is refused. */
  async createWithCode(name: unknown, raw: RawFunctionConfig, packageBytes: Buffer, publish: boolean): Promise<VersionRecord> {
    const fnName = this.checkNew(name);
    const settings = normalizeSettings(raw, this.defaults);
    const pkg = await canonicalizePackage(packageBytes, settings.handler);
    this.checkNew(fnName); // again: another create may have taken the name while the package was unpacked
    const blob = this.code.put(pkg.tar);
    const now = this.now().toISOString();
    this.functions.insert(fnName, settings, now);
    const version = this.functions.addVersion(fnName, blob, now, publish);
    this.changed({ kind: 'deployed', name: fnName, version: version.version });
    return version;
  }

  /** Creates the function or updates its settings; the next deploy snapshots them. */
  upsert(name: unknown, raw: RawFunctionConfig): { fn: FunctionRecord; created: boolean } {
    const existing = typeof name === 'string' ? this.functions.get(name) : undefined;
    if (!existing) return { fn: this.create(name, raw), created: true };
    const settings = normalizeSettings(raw, existing);
    this.functions.updateSettings(existing.name, settings, this.now().toISOString());
    return { fn: this.get(existing.name), created: false };
  }

  /** The native deploy: new code becomes a new published version (and $LATEST). */
  async deploy(name: string, packageBytes: Buffer, opts: { publish?: boolean; dryRun?: boolean } = {}): Promise<VersionRecord> {
    const fn = this.get(name);
    const pkg = await canonicalizePackage(packageBytes, fn.handler);
    if (opts.dryRun) return { ...this.latest(name).snapshot ?? dryRunSnapshot(fn), codeSha256: CodeStore.digest(pkg.tar), codeSize: pkg.tar.length };
    const blob = this.code.put(pkg.tar);
    const version = this.functions.addVersion(name, blob, this.now().toISOString(), opts.publish ?? true);
    this.changed({ kind: 'deployed', name, version: version.version });
    this.code.sweep(this.functions.referencedCode());
    return version;
  }

  /**
   * Lambda UpdateFunctionConfiguration: the settings change $LATEST at once. With code
   * deployed, that is a new unpublished snapshot of the same code with the new settings.
   */
  reconfigure(name: string, raw: RawFunctionConfig): FunctionRecord {
    const { fn, snapshot } = this.latest(name);
    const settings = normalizeSettings(raw, fn);
    const now = this.now().toISOString();
    this.functions.updateSettings(name, settings, now);
    if (snapshot && !sameSettings(snapshot, settings)) {
      const version = this.functions.addVersion(name, { sha256: snapshot.codeSha256, size: snapshot.codeSize }, now, false);
      this.changed({ kind: 'deployed', name, version: version.version });
    }
    return this.get(name);
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
  rollback(name: string, alias?: string): { from: number; to: number; alias?: string } {
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
      this.code.sweep(this.functions.referencedCode());
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
    this.code.sweep(this.functions.referencedCode());
  }

  delete(name: string): void {
    if (!this.functions.delete(name)) throw functionNotFound(name);
    this.urls.forgetFunction(name);
    this.changed({ kind: 'deleted', name });
    this.code.sweep(this.functions.referencedCode());
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

  readCode(version: VersionRecord): Promise<Buffer> {
    return this.code.get(version.codeSha256);
  }

  private checkNew(name: unknown): string {
    const problems = validateFunctionName(name);
    if (problems.length) throw new SkyscaleError('InvalidFunctionConfig', problems[0]!);
    const fnName = name as string;
    if (this.functions.get(fnName)) throw new SkyscaleError('FunctionExists', `function "${fnName}" already exists`, { hint: 'update it with PUT /v1/functions/{name} or `skyscale deploy`' });
    return fnName;
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
    && a.description === b.description && JSON.stringify(a.env) === JSON.stringify(b.env)
    && a.network === b.network && JSON.stringify(a.allow) === JSON.stringify(b.allow);
}

function dryRunSnapshot(fn: FunctionRecord): VersionRecord {
  return { ...fn, functionName: fn.name, version: 0, codeSha256: '', codeSize: 0, createdAt: fn.updatedAt, published: false };
}

function notReady(name: string): SkyscaleError {
  return new SkyscaleError('FunctionNotReady', `function "${name}" has no code yet`, { hint: `run \`skyscale deploy --name ${name}\`` });
}

export function validateMinWarm(value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 100) {
    throw new SkyscaleError('InvalidFunctionConfig', `minWarm must be a whole number from 0 to 100 (got ${JSON.stringify(value)})`);
  }
}
