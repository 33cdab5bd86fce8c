// Data access for functions and their versions.
import type { Db } from './database.js';
import type { FunctionRecord, FunctionSettings, VersionRecord } from '../registry/types.js';

interface FunctionRow {
  name: string; runtime: string; handler: string; memory_mb: number; timeout_s: number;
  env_json: string; description: string; latest_version: number | null; created_at: string; updated_at: string;
}
interface VersionRow {
  function_name: string; version: number; code_sha256: string; code_size: number; runtime: string; handler: string;
  memory_mb: number; timeout_s: number; env_json: string; description: string; created_at: string;
}

export class FunctionsTable {
  constructor(private readonly db: Db) {}

  get(name: string): FunctionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM functions WHERE name = ?').get(name) as FunctionRow | undefined;
    return row && toFunction(row);
  }

  list(): FunctionRecord[] {
    return (this.db.prepare('SELECT * FROM functions ORDER BY name').all() as FunctionRow[]).map(toFunction);
  }

  insert(name: string, s: FunctionSettings, now: string): void {
    this.db.prepare(`INSERT INTO functions (name, runtime, handler, memory_mb, timeout_s, env_json, description, latest_version, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`).run(name, s.runtime, s.handler, s.memoryMb, s.timeoutS, JSON.stringify(s.env), s.description, now, now);
  }

  updateSettings(name: string, s: FunctionSettings, now: string): void {
    this.db.prepare(`UPDATE functions SET runtime = ?, handler = ?, memory_mb = ?, timeout_s = ?, env_json = ?, description = ?, updated_at = ? WHERE name = ?`)
      .run(s.runtime, s.handler, s.memoryMb, s.timeoutS, JSON.stringify(s.env), s.description, now, name);
  }

  delete(name: string): boolean {
    return this.db.prepare('DELETE FROM functions WHERE name = ?').run(name).changes > 0;
  }

  /** Numbers and stores a new version from the function's current settings, atomically. */
  addVersion(name: string, code: { sha256: string; size: number }, now: string): VersionRecord {
    return this.db.transaction(() => {
      const fn = this.get(name);
      if (!fn) throw new Error(`function ${name} vanished while adding a version`);
      const next = ((this.db.prepare('SELECT MAX(version) FROM versions WHERE function_name = ?').pluck().get(name) as number | null) ?? 0) + 1;
      this.db.prepare(`INSERT INTO versions (function_name, version, code_sha256, code_size, runtime, handler, memory_mb, timeout_s, env_json, description, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(name, next, code.sha256, code.size, fn.runtime, fn.handler, fn.memoryMb, fn.timeoutS, JSON.stringify(fn.env), fn.description, now);
      this.db.prepare('UPDATE functions SET latest_version = ?, updated_at = ? WHERE name = ?').run(next, now, name);
      return this.getVersion(name, next)!;
    })();
  }

  getVersion(name: string, version: number): VersionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM versions WHERE function_name = ? AND version = ?').get(name, version) as VersionRow | undefined;
    return row && toVersion(row);
  }

  listVersions(name: string): VersionRecord[] {
    return (this.db.prepare('SELECT * FROM versions WHERE function_name = ? ORDER BY version').all(name) as VersionRow[]).map(toVersion);
  }

  /** Code blobs still referenced by any version (the code store keeps these). */
  referencedCode(): Set<string> {
    return new Set(this.db.prepare('SELECT DISTINCT code_sha256 FROM versions').pluck().all() as string[]);
  }
}

function toFunction(r: FunctionRow): FunctionRecord {
  return {
    name: r.name, runtime: r.runtime, handler: r.handler, memoryMb: r.memory_mb, timeoutS: r.timeout_s,
    env: JSON.parse(r.env_json) as Record<string, string>, description: r.description,
    latestVersion: r.latest_version, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toVersion(r: VersionRow): VersionRecord {
  return {
    functionName: r.function_name, version: r.version, codeSha256: r.code_sha256, codeSize: r.code_size,
    runtime: r.runtime, handler: r.handler, memoryMb: r.memory_mb, timeoutS: r.timeout_s,
    env: JSON.parse(r.env_json) as Record<string, string>, description: r.description, createdAt: r.created_at,
  };
}
