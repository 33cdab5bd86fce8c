// Functions and their immutable versions: create, configure, deploy code (a new
// version snapshots the settings and the content-addressed package), resolve a name
// and qualifier to the version to run. Resolution is cached in memory and the cache
// is dropped on every change, so the invoke path does no database read.
import { SkyscaleError } from '../errors.js';
import type { FunctionsTable } from '../store/functions-table.js';
import { canonicalizePackage } from './code-package.js';
import type { CodeStore } from './code-store.js';
import { normalizeSettings, validateFunctionName, type RawFunctionConfig } from './function-config.js';
import type { FunctionRecord, VersionRecord } from './types.js';

export type RegistryEvent = { kind: 'deployed'; name: string; version: number } | { kind: 'deleted'; name: string };

export class Registry {
  private readonly resolved = new Map<string, VersionRecord>();
  private readonly listeners: ((e: RegistryEvent) => void)[] = [];

  constructor(private readonly functions: FunctionsTable, private readonly code: CodeStore, private readonly now: () => Date = () => new Date()) {}

  onChange(listener: (e: RegistryEvent) => void): void {
    this.listeners.push(listener);
  }

  list(): FunctionRecord[] {
    return this.functions.list();
  }

  get(name: string): FunctionRecord {
    const fn = this.functions.get(name);
    if (!fn) throw notFound(name);
    return fn;
  }

  versions(name: string): VersionRecord[] {
    this.get(name);
    return this.functions.listVersions(name);
  }

  /** Creates the function, failing if it exists. */
  create(name: unknown, raw: RawFunctionConfig): FunctionRecord {
    const problems = validateFunctionName(name);
    if (problems.length) throw new SkyscaleError('InvalidFunctionConfig', problems[0]!);
    const fnName = name as string;
    if (this.functions.get(fnName)) throw new SkyscaleError('FunctionExists', `function "${fnName}" already exists`, { hint: 'update it with PUT /v1/functions/{name} or `skyscale deploy`' });
    const settings = normalizeSettings(raw);
    this.functions.insert(fnName, settings, this.now().toISOString());
    return this.get(fnName);
  }

  /** Creates the function or updates its settings; the next deploy snapshots them. */
  upsert(name: unknown, raw: RawFunctionConfig): { fn: FunctionRecord; created: boolean } {
    const existing = typeof name === 'string' ? this.functions.get(name) : undefined;
    if (!existing) return { fn: this.create(name, raw), created: true };
    const settings = normalizeSettings(raw, existing);
    this.functions.updateSettings(existing.name, settings, this.now().toISOString());
    return { fn: this.get(existing.name), created: false };
  }

  async deploy(name: string, packageBytes: Buffer): Promise<VersionRecord> {
    const fn = this.get(name);
    const pkg = await canonicalizePackage(packageBytes, fn.handler);
    const blob = this.code.put(pkg.tar);
    const version = this.functions.addVersion(name, blob, this.now().toISOString());
    this.changed({ kind: 'deployed', name, version: version.version });
    return version;
  }

  delete(name: string): void {
    if (!this.functions.delete(name)) throw notFound(name);
    this.changed({ kind: 'deleted', name });
    this.code.sweep(this.functions.referencedCode());
  }

  /** The version to run: a number, "$LATEST" or nothing (the newest version). */
  resolve(name: string, qualifier?: string): VersionRecord {
    const key = `${name}\u0000${qualifier ?? ''}`;
    const hit = this.resolved.get(key);
    if (hit) return hit;
    const fn = this.functions.get(name);
    if (!fn) throw notFound(name);
    let number: number | null = fn.latestVersion;
    if (qualifier !== undefined && qualifier !== '' && qualifier !== '$LATEST') {
      if (!/^[1-9][0-9]*$/.test(qualifier)) throw new SkyscaleError('ValidationError', `version must be a positive whole number or $LATEST (got "${qualifier}")`);
      number = Number(qualifier);
    }
    if (number === null) throw new SkyscaleError('FunctionNotReady', `function "${name}" has no code yet`, { hint: `run \`skyscale deploy --name ${name}\`` });
    const version = this.functions.getVersion(name, number);
    if (!version) throw new SkyscaleError('FunctionNotFound', `function "${name}" has no version ${number}`);
    this.resolved.set(key, version);
    return version;
  }

  readCode(version: VersionRecord): Promise<Buffer> {
    return this.code.get(version.codeSha256);
  }

  private changed(e: RegistryEvent): void {
    for (const key of this.resolved.keys()) if (key.startsWith(`${e.name}\u0000`)) this.resolved.delete(key);
    for (const l of this.listeners) l(e);
  }
}

function notFound(name: string): SkyscaleError {
  return new SkyscaleError('FunctionNotFound', `function "${name}" does not exist`, { hint: 'list functions with `skyscale list`' });
}
