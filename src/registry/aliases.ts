// Aliases (a stable name pointing at one published version: `live` → 3) and function
// URL configurations (an HTTP endpoint for a function or one of its aliases, with its
// auth type). Both are kept beside the functions they belong to and go with them.
import { SkyscaleError } from '../errors.js';
import { isAliasName, isVersionNumber, LATEST } from '../model/names.js';
import type { AliasesTable } from '../store/aliases-table.js';
import type { FunctionLookup } from './catalog.js';
import type { AliasRecord, FunctionUrlRecord, UrlAuthType } from '../model/function.js';

export function validateAliasName(name: unknown): string {
  if (!isAliasName(name)) {
    throw new SkyscaleError('ValidationError', `an alias name is 1-128 letters, digits, "-" or "_", and not only digits (got ${JSON.stringify(name)})`);
  }
  return name;
}

export interface AliasInput {
  functionVersion?: unknown;
  description?: unknown;
}

export class Aliases {
  constructor(
    private readonly table: AliasesTable,
    private readonly functions: FunctionLookup,
    private readonly now: () => Date,
    private readonly moved: (functionName: string) => void,
  ) {}

  get(fn: string, name: string): AliasRecord {
    this.functions.get(fn);
    const alias = this.table.get(fn, name);
    if (!alias) throw new SkyscaleError('AliasNotFound', `function "${fn}" has no alias "${name}"`, { subject: { function: fn, qualifier: name }, hint: `list them with \`skyscale alias list --name ${fn}\`` });
    return alias;
  }

  list(fn: string, functionVersion?: number): AliasRecord[] {
    this.functions.get(fn);
    return this.table.list(fn).filter((a) => functionVersion === undefined || a.functionVersion === functionVersion);
  }

  /** create: the alias must not exist; update: it must; set: either. Fields left out keep their value (update) or default (create). */
  put(fn: string, name: unknown, input: AliasInput, mode: 'create' | 'update' | 'set'): AliasRecord {
    const aliasName = validateAliasName(name);
    this.functions.get(fn);
    const existing = this.table.get(fn, aliasName);
    if (mode === 'create' && existing) throw new SkyscaleError('AliasExists', `function "${fn}" already has an alias "${aliasName}"`, { subject: { function: fn, qualifier: aliasName } });
    if (mode === 'update' && !existing) this.get(fn, aliasName);
    let version = existing?.functionVersion;
    if (input.functionVersion !== undefined) {
      const v = String(input.functionVersion);
      if (!isVersionNumber(v)) throw new SkyscaleError('ValidationError', `an alias points at a published version number (got ${JSON.stringify(input.functionVersion)}); publish $LATEST first`);
      version = this.functions.version(fn, Number(v)).version;
    }
    if (version === undefined) throw new SkyscaleError('ValidationError', 'FunctionVersion is required to create an alias');
    if (input.description !== undefined && (typeof input.description !== 'string' || input.description.length > 256)) {
      throw new SkyscaleError('ValidationError', 'Description must be a string of at most 256 characters');
    }
    const description = (input.description as string | undefined) ?? existing?.description ?? '';
    this.table.put({ functionName: fn, name: aliasName, functionVersion: version, description, updatedAt: this.now().toISOString() });
    this.moved(fn);
    return this.table.get(fn, aliasName)!;
  }

  /** Deleting an alias that does not exist is not an error (Lambda answers 204 too). */
  delete(fn: string, name: string): void {
    this.functions.get(fn);
    if (this.table.getUrl(fn, name)) throw new SkyscaleError('VersionInUse', `alias "${name}" has a function URL; delete the URL first`);
    if (this.table.delete(fn, name)) this.moved(fn);
  }
}

export interface FunctionUrlInput {
  authType?: unknown;
  cors?: unknown;
  invokeMode?: unknown;
}

export class FunctionUrls {
  /** URL configs by function and qualifier: every public URL request reads one, so they are cached. */
  private readonly cache = new Map<string, FunctionUrlRecord>();

  constructor(private readonly table: AliasesTable, private readonly functions: FunctionLookup, private readonly aliases: Aliases, private readonly now: () => Date) {}

  /** Drops a deleted function's cached URL configs. */
  forgetFunction(name: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`${name}\u0000`)) this.cache.delete(k);
  }

  /** The URL config of a function ('' qualifier) or of one of its aliases. */
  get(fn: string, qualifier = ''): FunctionUrlRecord {
    const hit = this.cache.get(`${fn}\u0000${qualifier}`);
    if (hit) return hit;
    this.functions.get(fn);
    const url = this.table.getUrl(fn, qualifier);
    if (!url) throw new SkyscaleError('FunctionUrlNotFound', `function "${fn}"${qualifier ? ` (alias "${qualifier}")` : ''} has no function URL`, { subject: { function: fn, ...(qualifier ? { qualifier } : {}) } });
    this.cache.set(`${fn}\u0000${qualifier}`, url);
    return url;
  }

  list(fn: string): FunctionUrlRecord[] {
    this.functions.get(fn);
    return this.table.listUrls(fn);
  }

  put(fn: string, qualifier: string, input: FunctionUrlInput, mode: 'create' | 'update'): FunctionUrlRecord {
    this.functions.get(fn);
    if (qualifier !== '') {
      if (qualifier === LATEST || /^[0-9]+$/.test(qualifier)) throw new SkyscaleError('ValidationError', 'a function URL belongs to the function or to an alias, not to $LATEST or a version number');
      this.aliases.get(fn, qualifier);
    }
    const existing = this.table.getUrl(fn, qualifier);
    if (mode === 'create' && existing) throw new SkyscaleError('FunctionUrlExists', `function "${fn}"${qualifier ? ` (alias "${qualifier}")` : ''} already has a function URL`, { subject: { function: fn, ...(qualifier ? { qualifier } : {}) } });
    if (mode === 'update' && !existing) this.get(fn, qualifier);
    const authType = input.authType ?? existing?.authType;
    if (authType !== 'NONE' && authType !== 'AWS_IAM') throw new SkyscaleError('ValidationError', `AuthType must be NONE or AWS_IAM (a Skyscale API key) (got ${JSON.stringify(input.authType)})`);
    if (input.invokeMode !== undefined && input.invokeMode !== 'BUFFERED') throw new SkyscaleError('ValidationError', 'InvokeMode must be BUFFERED (response streaming is not supported)');
    if (input.cors !== undefined && (typeof input.cors !== 'object' || input.cors === null || Array.isArray(input.cors))) throw new SkyscaleError('ValidationError', 'Cors must be an object');
    const now = this.now().toISOString();
    const record: FunctionUrlRecord = {
      functionName: fn, qualifier, authType: authType as UrlAuthType, cors: (input.cors as Record<string, unknown> | undefined) ?? existing?.cors ?? null,
      invokeMode: 'BUFFERED', createdAt: existing?.createdAt ?? now, updatedAt: now,
    };
    this.table.putUrl(record);
    this.cache.delete(`${fn}\u0000${qualifier}`);
    return record;
  }

  delete(fn: string, qualifier = ''): void {
    this.get(fn, qualifier);
    this.table.deleteUrl(fn, qualifier);
    this.cache.delete(`${fn}\u0000${qualifier}`);
  }
}
