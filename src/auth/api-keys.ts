// API keys of the form <id>.<secret>. Only a SHA-256 of the secret is stored (secrets
// are long random strings, so a fast hash is enough); verification compares in
// constant time and is cached in memory so the invoke path does no database read.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SkyscaleError } from '../errors.js';
import type { Db } from '../store/database.js';

export type Role = 'admin' | 'developer' | 'invoker';

export interface ApiKey {
  id: string;
  role: Role;
  name: string;
}

interface KeyRow {
  id: string;
  secret_sha256: string;
  role: Role;
  name: string;
}

export class ApiKeys {
  private readonly cache = new Map<string, { row: KeyRow; secretSha: Buffer }>();

  constructor(private readonly db: Db) {}

  static generate(): string {
    return `${randomBytes(6).toString('hex')}.${randomBytes(24).toString('base64url')}`;
  }

  count(): number {
    return this.db.prepare('SELECT COUNT(*) FROM api_keys').pluck().get() as number;
  }

  /** Stores a key (replacing one with the same id). */
  put(key: string, role: Role, name: string): ApiKey {
    const [id, secret] = splitKey(key);
    if (!id || !secret) throw new SkyscaleError('ValidationError', 'an API key must look like <id>.<secret>');
    this.db.prepare('INSERT OR REPLACE INTO api_keys (id, secret_sha256, role, name, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, sha256(secret).toString('hex'), role, name, new Date().toISOString());
    this.cache.delete(id);
    return { id, role, name };
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

  private lookup(id: string): { row: KeyRow; secretSha: Buffer } | undefined {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const row = this.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined;
    if (!row) return undefined;
    const entry = { row, secretSha: Buffer.from(row.secret_sha256, 'hex') };
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
