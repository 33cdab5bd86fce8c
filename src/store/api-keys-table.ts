// Data access for API keys: the secret's SHA-256 (for Bearer checks), the secret sealed
// under the master key (for SigV4), the role, and whether the key is the bootstrap
// admin key the server keeps in step with its configuration.
import type { Role } from '../model/api-key.js';
import type { Db } from './database.js';

export interface ApiKeyRow {
  id: string;
  secret_sha256: string;
  secret_enc: string | null;
  role: Role;
  name: string;
  bootstrap: number;
}

export class ApiKeysTable {
  constructor(private readonly db: Db) {}

  get(id: string): ApiKeyRow | undefined {
    return this.db.prepare('SELECT id, secret_sha256, secret_enc, role, name, bootstrap FROM api_keys WHERE id = ?').get(id) as ApiKeyRow | undefined;
  }

  /** Stores a key, replacing one with the same id. */
  put(row: Omit<ApiKeyRow, 'bootstrap'> & { bootstrap: boolean }, now: string): void {
    this.db.prepare('INSERT OR REPLACE INTO api_keys (id, secret_sha256, secret_enc, role, name, bootstrap, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(row.id, row.secret_sha256, row.secret_enc, row.role, row.name, row.bootstrap ? 1 : 0, now);
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
