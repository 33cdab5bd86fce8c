// Data access for aliases (a name pointing at one published version of a function)
// and function URL configurations (one per function and alias).
import type { Db } from './database.js';
import type { AliasRecord, FunctionUrlRecord, UrlAuthType } from '../model/function.js';

interface AliasRow { function_name: string; name: string; function_version: number; description: string; created_at: string; updated_at: string }
interface UrlRow { function_name: string; qualifier: string; auth_type: string; cors_json: string | null; invoke_mode: string; created_at: string; updated_at: string }

export class AliasesTable {
  constructor(private readonly db: Db) {}

  get(fn: string, name: string): AliasRecord | undefined {
    const row = this.db.prepare('SELECT * FROM aliases WHERE function_name = ? AND name = ?').get(fn, name) as AliasRow | undefined;
    return row && toAlias(row);
  }

  list(fn: string): AliasRecord[] {
    return (this.db.prepare('SELECT * FROM aliases WHERE function_name = ? ORDER BY name').all(fn) as AliasRow[]).map(toAlias);
  }

  /** Inserts or replaces; keeps the original creation time. */
  put(a: Omit<AliasRecord, 'createdAt'>): void {
    this.db.prepare(`INSERT INTO aliases (function_name, name, function_version, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (function_name, name) DO UPDATE SET function_version = excluded.function_version, description = excluded.description, updated_at = excluded.updated_at`)
      .run(a.functionName, a.name, a.functionVersion, a.description, a.updatedAt, a.updatedAt);
  }

  delete(fn: string, name: string): boolean {
    return this.db.prepare('DELETE FROM aliases WHERE function_name = ? AND name = ?').run(fn, name).changes > 0;
  }

  getUrl(fn: string, qualifier: string): FunctionUrlRecord | undefined {
    const row = this.db.prepare('SELECT * FROM function_urls WHERE function_name = ? AND qualifier = ?').get(fn, qualifier) as UrlRow | undefined;
    return row && toUrl(row);
  }

  listUrls(fn: string): FunctionUrlRecord[] {
    return (this.db.prepare('SELECT * FROM function_urls WHERE function_name = ? ORDER BY qualifier').all(fn) as UrlRow[]).map(toUrl);
  }

  putUrl(u: FunctionUrlRecord): void {
    this.db.prepare(`INSERT INTO function_urls (function_name, qualifier, auth_type, cors_json, invoke_mode, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (function_name, qualifier) DO UPDATE SET auth_type = excluded.auth_type, cors_json = excluded.cors_json,
      invoke_mode = excluded.invoke_mode, updated_at = excluded.updated_at`)
      .run(u.functionName, u.qualifier, u.authType, u.cors ? JSON.stringify(u.cors) : null, u.invokeMode, u.createdAt, u.updatedAt);
  }

  deleteUrl(fn: string, qualifier: string): boolean {
    return this.db.prepare('DELETE FROM function_urls WHERE function_name = ? AND qualifier = ?').run(fn, qualifier).changes > 0;
  }
}

function toAlias(r: AliasRow): AliasRecord {
  return { functionName: r.function_name, name: r.name, functionVersion: r.function_version, description: r.description, createdAt: r.created_at, updatedAt: r.updated_at };
}

function toUrl(r: UrlRow): FunctionUrlRecord {
  return {
    functionName: r.function_name, qualifier: r.qualifier, authType: r.auth_type as UrlAuthType,
    cors: r.cors_json ? (JSON.parse(r.cors_json) as Record<string, unknown>) : null, invokeMode: 'BUFFERED', createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
