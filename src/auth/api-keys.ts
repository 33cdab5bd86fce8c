// API keys of the form <id>.<secret>, each with a role, an optional function scope and
// an optional expiry. A SHA-256 of the secret is stored for Bearer checks (secrets are
// long random strings, so a fast hash is enough), and the secret itself sealed with
// AES-256-GCM under the data dir's master key, because SigV4 is an HMAC keyed by the
// secret and needs it back. Rows from before SigV4 support hold only the hash: Bearer
// works for them, SigV4 does not (the bootstrap admin key is re-stored, and so sealed,
// on every start). Lookups are cached in memory so the invoke path does no database
// read; revoking drops the cached entry at once.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SkyscaleError } from '../errors.js';
import { FUNCTION_GLOB, isRole, parseDuration, ROLES, type ApiKey, type ApiKeyInfo, type Role } from '../model/api-key.js';
import type { ApiKeyRow, ApiKeysTable } from '../store/api-keys-table.js';
import { seal, unseal } from './master-key.js';

export type { ApiKey, ApiKeyInfo, Role } from '../model/api-key.js';

/** What a new key is given; the secret is generated. */
export interface NewKeyInput {
  role: unknown;
  name?: unknown;
  description?: unknown;
  functions?: unknown;
  expiresAt?: unknown;
  /** a duration from now instead of expiresAt: `30d`, `12h`, `90m`, `2w` */
  expiresIn?: unknown;
}

interface CachedKey {
  row: ApiKeyRow;
  key: ApiKey;
  secretSha: Buffer;
  secret?: string | null;
}

const MAX_GLOBS = 20;

export class ApiKeys {
  private readonly cache = new Map<string, CachedKey>();
  private readonly misses = new Map<string, number>();

  constructor(private readonly table: ApiKeysTable, private readonly masterKey: Buffer, private readonly now: () => number = Date.now) {}

  static generate(): string {
    return `${randomBytes(6).toString('hex')}.${randomBytes(24).toString('base64url')}`;
  }

  /** Stores a key (replacing one with the same id). */
  put(key: string, role: Role, name: string, opts: { bootstrap?: boolean; description?: string; functions?: string[] | null; expiresAt?: string | null } = {}): ApiKey {
    const [id, secret] = splitKey(key);
    if (!id || !secret) throw new SkyscaleError('ValidationError', 'an API key must look like <id>.<secret>');
    this.table.put({
      id, secret_sha256: sha256(secret).toString('hex'), secret_enc: seal(this.masterKey, secret, id), role, name, bootstrap: opts.bootstrap ?? false,
      description: opts.description ?? '', functions_json: opts.functions ? JSON.stringify(opts.functions) : null, expires_at: opts.expiresAt ?? null,
    }, new Date(this.now()).toISOString());
    this.forget(id);
    return { id, role, name, functions: opts.functions ?? null, expiresAt: opts.expiresAt ?? null };
  }

  /** Makes a new key from checked input; the secret (`<id>.<secret>`) is returned only here. */
  create(input: NewKeyInput): { key: ApiKeyInfo; secret: string } {
    const checked = checkNewKey(input, this.now());
    const secret = ApiKeys.generate();
    const { id } = this.put(secret, checked.role, checked.name, checked);
    return { key: this.info(id)!, secret };
  }

  /** Every key, revoked and expired ones too, without secrets. */
  list(): ApiKeyInfo[] {
    return this.table.list().map((row) => infoOf(row, this.now()));
  }

  info(id: string): ApiKeyInfo | undefined {
    const row = this.table.get(id);
    return row ? infoOf(row, this.now()) : undefined;
  }

  /** Revokes a key: it stops working at once. The bootstrap admin key is rotated through the configuration instead. */
  revoke(id: string): ApiKeyInfo {
    const row = this.table.get(id);
    if (!row) throw new SkyscaleError('KeyNotFound', `no API key with id "${id}"`, { hint: 'list the keys with `skyscale keys list`' });
    if (row.bootstrap) {
      throw new SkyscaleError('ValidationError', `"${id}" is the bootstrap admin key, which is not revoked but rotated`, {
        hint: 'start the server with a new SKYSCALE_ADMIN_KEY (or remove <data dir>/admin-key to have one generated): the old one stops working',
      });
    }
    this.table.revoke(id, new Date(this.now()).toISOString());
    this.forget(id);
    return this.info(id)!;
  }

  /**
   * Makes `key` the one bootstrap admin key: exactly one works at a time, so setting or
   * changing SKYSCALE_ADMIN_KEY revokes the previous one (rotation). Returns how many were revoked.
   */
  putBootstrapAdmin(key: string, name: string): number {
    const { id } = this.put(key, 'admin', name, { bootstrap: true });
    const revoked = this.table.deleteOtherBootstraps(id);
    for (const old of revoked) this.forget(old);
    return revoked.length;
  }

  /** Resolves an `Authorization: Bearer` header to an active key, or throws Unauthorized. */
  authenticate(authorization: string | undefined): ApiKey {
    if (!authorization) throw unauthorized('no API key was sent', 'send "Authorization: Bearer <id>.<secret>" (the CLI reads SKYSCALE_API_KEY)');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw unauthorized('the Authorization header is not "Bearer <id>.<secret>"');
    const [id, secret] = splitKey(match[1]!);
    if (!id || !secret) throw unauthorized('the API key is not of the form <id>.<secret>');
    const entry = this.lookup(id);
    const given = sha256(secret);
    if (!entry || !timingSafeEqual(given, entry.secretSha)) throw unauthorized('the API key is not valid');
    // the caller proved it holds the secret: it may learn why the key no longer works
    if (entry.row.revoked_at) throw unauthorized(`the API key was revoked at ${entry.row.revoked_at}`);
    if (expired(entry.row, this.now())) throw unauthorized(`the API key expired at ${entry.row.expires_at}`, 'ask an admin for a new key');
    return entry.key;
  }

  /** Whether `key` (<id>.<secret>) names a stored key, whatever its secret: such a value is a credential. */
  isKey(key: string): boolean {
    const [id] = splitKey(key);
    return id !== '' && this.lookup(id) !== undefined;
  }

  /**
   * An active key and its secret, for SigV4 verification: undefined for an unknown,
   * revoked or expired id (SigV4 answers all of them as it answers a wrong signature);
   * a null secret for a key stored before secrets were kept sealed.
   */
  signingSecret(id: string): { key: ApiKey; secret: string | null } | undefined {
    const entry = this.lookup(id);
    if (!entry || entry.row.revoked_at || expired(entry.row, this.now())) return undefined;
    if (entry.secret === undefined) {
      const sealed = entry.row.secret_enc;
      entry.secret = sealed ? unseal(this.masterKey, sealed, id) : null;
    }
    return { key: entry.key, secret: entry.secret };
  }

  private forget(id: string): void {
    this.cache.delete(id);
    this.misses.delete(id);
  }

  private lookup(id: string): CachedKey | undefined {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const missUntil = this.misses.get(id);
    if (missUntil !== undefined && missUntil > this.now()) return undefined;
    const row = this.table.get(id);
    if (!row) {
      // Remember unknown ids briefly, so a flood of made-up keys costs no database reads.
      if (this.misses.size > 10_000) this.misses.clear();
      this.misses.set(id, this.now() + 5_000);
      return undefined;
    }
    const entry: CachedKey = { row, key: keyOf(row), secretSha: Buffer.from(row.secret_sha256, 'hex') };
    this.cache.set(id, entry);
    return entry;
  }
}

function keyOf(row: ApiKeyRow): ApiKey {
  return { id: row.id, role: row.role, name: row.name, functions: row.functions_json ? JSON.parse(row.functions_json) as string[] : null, expiresAt: row.expires_at };
}

function infoOf(row: ApiKeyRow, now: number): ApiKeyInfo {
  return {
    ...keyOf(row), description: row.description, createdAt: row.created_at, revokedAt: row.revoked_at, bootstrap: row.bootstrap === 1,
    status: row.revoked_at ? 'revoked' : expired(row, now) ? 'expired' : 'active',
  };
}

function expired(row: ApiKeyRow, now: number): boolean {
  return row.expires_at !== null && Date.parse(row.expires_at) <= now;
}

/** The input of a new key, every problem reported at once. */
function checkNewKey(input: NewKeyInput, now: number): { role: Role; name: string; description: string; functions: string[] | null; expiresAt: string | null } {
  const problems: string[] = [];
  const role = input.role;
  if (!isRole(role)) problems.push(`role must be one of ${ROLES.join(', ')}`);
  const name = input.name ?? `${isRole(role) ? role : 'new'} key`;
  if (typeof name !== 'string' || name.length < 1 || name.length > 64 || /[\x00-\x1f\x7f]/.test(name)) problems.push('name must be 1-64 characters without control characters');
  const description = input.description ?? '';
  if (typeof description !== 'string' || description.length > 256 || /[\x00-\x1f\x7f]/.test(description)) problems.push('description must be at most 256 characters without control characters');
  let functions: string[] | null = null;
  if (input.functions !== undefined && input.functions !== null) {
    const f = input.functions;
    if (!Array.isArray(f) || f.length < 1 || f.length > MAX_GLOBS || !f.every((g) => typeof g === 'string' && FUNCTION_GLOB.test(g))) {
      problems.push(`functions must be 1-${MAX_GLOBS} function names or globs (letters, digits, "-", "_", "*" and "?"), e.g. "orders-*"`);
    } else {
      functions = [...new Set(f as string[])];
      if (role === 'admin') problems.push('an admin key cannot be limited to some functions: it manages keys and the whole node');
    }
  }
  let expiresAt: string | null = null;
  if (input.expiresIn !== undefined && input.expiresIn !== null) {
    const ms = typeof input.expiresIn === 'string' ? parseDuration(input.expiresIn) : undefined;
    if (ms === undefined) problems.push('expiresIn must be a number and a unit: m, h, d or w (e.g. "30d")');
    else if (input.expiresAt !== undefined && input.expiresAt !== null) problems.push('send expiresIn or expiresAt, not both');
    else expiresAt = new Date(now + ms).toISOString();
  } else if (input.expiresAt !== undefined && input.expiresAt !== null) {
    const at = typeof input.expiresAt === 'string' ? Date.parse(input.expiresAt) : NaN;
    if (Number.isNaN(at)) problems.push('expiresAt must be an ISO date and time');
    else if (at <= now) problems.push('expiresAt must be in the future');
    else expiresAt = new Date(at).toISOString();
  }
  if (problems.length) throw new SkyscaleError('ValidationError', `invalid key: ${problems.join('; ')}`, { details: { problems } });
  return { role: role as Role, name: name as string, description: description as string, functions, expiresAt };
}

function splitKey(key: string): [string, string] {
  const dot = key.indexOf('.');
  return dot <= 0 ? ['', ''] : [key.slice(0, dot), key.slice(dot + 1)];
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function unauthorized(message: string, hint?: string): SkyscaleError {
  return new SkyscaleError('Unauthorized', message, hint ? { hint } : {});
}
