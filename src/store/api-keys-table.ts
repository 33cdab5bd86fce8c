// Data access for API keys: the secret's SHA-256 (for Bearer checks), the secret sealed
// under the master key (for SigV4), the role, the function scope and expiry, when the
// key was revoked, and whether the key is the bootstrap admin key the server keeps in
// step with its configuration. Revoked keys keep their row, so the audit log and
// `keys list` can still name them.
import type { Role } from '../model/api-key.js';
import type { Db } from './database.js';

export interface ApiKeyRow {
  id: string;
  secret_sha256: string;
  secret_enc: string | null;
  role: Role;
  name: string;
  description: string;
  /** JSON array of function-name globs, or null for every function */
  functions_json: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_at: string;
  bootstrap: number;
}

export type NewApiKeyRow = Pick<ApiKeyRow, 'id' | 'secret_sha256' | 'secret_enc' | 'role' | 'name'> &
  Partial<Pick<ApiKeyRow, 'description' | 'functions_json' | 'expires_at'>> & { bootstrap: boolean };

const COLUMNS = 'id, secret_sha256, secret_enc, role, name, description, functions_json, expires_at, revoked_at, created_at, bootstrap';

export class ApiKeysTable {
  constructor(private readonly db: Db) {}

  get(id: string): ApiKeyRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`).get(id) as ApiKeyRow | undefined;
  }

  /** Every key, revoked ones too, oldest first. */
  list(): ApiKeyRow[] {
    return this.db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`).all() as ApiKeyRow[];
  }

  /** Stores a key, replacing one with the same id. */
  put(row: NewApiKeyRow, now: string): void {
    this.db.prepare('INSERT OR REPLACE INTO api_keys (id, secret_sha256, secret_enc, role, name, description, functions_json, expires_at, bootstrap, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(row.id, row.secret_sha256, row.secret_enc, row.role, row.name, row.description ?? '', row.functions_json ?? null, row.expires_at ?? null, row.bootstrap ? 1 : 0, now);
  }

  /** Marks a key revoked; false when there is no such key or it already was. */
  revoke(id: string, now: string): boolean {
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }

  /** Deletes every bootstrap key but `keepId`; returns the ids deleted. */
  deleteOtherBootstraps(keepId: string): string[] {
    return this.db.transaction(() => {
      const ids = this.db.prepare('SELECT id FROM api_keys WHERE bootstrap = 1 AND id != ?').pluck().all(keepId) as string[];
      this.db.prepare('DELETE FROM api_keys WHERE bootstrap = 1 AND id != ?').run(keepId);
      return ids;
    })();
  }
}
