// API keys of the form <id>.<secret>. A SHA-256 of the secret is stored for Bearer
// checks (secrets are long random strings, so a fast hash is enough), and the secret
// itself sealed with AES-256-GCM under the data dir's master key, because SigV4 is an
// HMAC keyed by the secret and needs it back. Rows from before SigV4 support hold only
// the hash: Bearer works for them, SigV4 asks to re-create the key (the bootstrap admin
// key is re-stored, and so sealed, on every start). Lookups are cached in memory so the
// invoke path does no database read.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SkyscaleError } from '../errors.js';
import type { ApiKey, Role } from '../model/api-key.js';
import type { ApiKeyRow, ApiKeysTable } from '../store/api-keys-table.js';
import { seal, unseal } from './master-key.js';

export type { ApiKey, Role } from '../model/api-key.js';

interface CachedKey {
  row: ApiKeyRow;
  secretSha: Buffer;
  secret?: string | null;
}

export class ApiKeys {
  private readonly cache = new Map<string, CachedKey>();
  private readonly misses = new Map<string, number>();

  constructor(private readonly table: ApiKeysTable, private readonly masterKey: Buffer, private readonly now: () => number = Date.now) {}

  static generate(): string {
    return `${randomBytes(6).toString('hex')}.${randomBytes(24).toString('base64url')}`;
  }

  /** Stores a key (replacing one with the same id). */
  put(key: string, role: Role, name: string, opts: { bootstrap?: boolean } = {}): ApiKey {
    const [id, secret] = splitKey(key);
    if (!id || !secret) throw new SkyscaleError('ValidationError', 'an API key must look like <id>.<secret>');
    this.table.put({ id, secret_sha256: sha256(secret).toString('hex'), secret_enc: seal(this.masterKey, secret, id), role, name, bootstrap: opts.bootstrap ?? false }, new Date(this.now()).toISOString());
    this.cache.delete(id);
    this.misses.delete(id);
    return { id, role, name };
  }

  /**
   * Makes `key` the one bootstrap admin key: exactly one works at a time, so setting or
   * changing SKYSCALE_ADMIN_KEY revokes the previous one (rotation). Returns how many were revoked.
   */
  putBootstrapAdmin(key: string, name: string): number {
    const { id } = this.put(key, 'admin', name, { bootstrap: true });
    const revoked = this.table.deleteOtherBootstraps(id);
    for (const old of revoked) this.cache.delete(old);
    return revoked.length;
  }

  /** Resolves an Authorization header to a key, or throws Unauthorized. */
  authenticate(authorization: string | undefined): ApiKey {
    if (!authorization) throw unauthorized('no API key was sent', 'send "Authorization: Bearer <id>.<secret>" (the CLI reads SKYSCALE_API_KEY)');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) throw unauthorized('the Authorization header is not "Bearer <id>.<secret>"');
    const [id, secret] = splitKey(match[1]!);
    if (!id || !secret) throw unauthorized('the API key is not of the form <id>.<secret>');
    const entry = this.lookup(id);
    const given = sha256(secret);
    if (!entry || !timingSafeEqual(given, entry.secretSha)) throw unauthorized('the API key is not valid');
    return { id, role: entry.row.role, name: entry.row.name };
  }

  /** Whether `key` (<id>.<secret>) names a stored key, whatever its secret: such a value is a credential. */
  isKey(key: string): boolean {
    const [id] = splitKey(key);
    return id !== '' && this.lookup(id) !== undefined;
  }

  /**
   * The key and its secret, for SigV4 verification: undefined for an unknown id; a
   * null secret for a key stored before secrets were kept sealed.
   */
  signingSecret(id: string): { key: ApiKey; secret: string | null } | undefined {
    const entry = this.lookup(id);
    if (!entry) return undefined;
    if (entry.secret === undefined) {
      const sealed = entry.row.secret_enc;
      entry.secret = sealed ? unseal(this.masterKey, sealed, id) : null;
    }
    return { key: { id, role: entry.row.role, name: entry.row.name }, secret: entry.secret };
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
    const entry: CachedKey = { row, secretSha: Buffer.from(row.secret_sha256, 'hex') };
    this.cache.set(id, entry);
    return entry;
  }
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
