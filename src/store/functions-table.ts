// Data access for functions and their versions (published ones, and $LATEST states
// the Lambda API made but has not published yet). Secret env values arrive sealed and
// are stored as they came.
import type { Db } from './database.js';
import type { FunctionRecord, FunctionSettings, VersionRecord } from '../model/function.js';
import type { NetworkMode } from '../model/egress-policy.js';

interface FunctionRow {
  name: string; runtime: string; handler: string; memory_mb: number; timeout_s: number;
  env_json: string; secret_env_json: string; description: string; latest_version: number | null; created_at: string; updated_at: string;
  version_seq: number; reserved_concurrency: number | null; min_warm: number; network: string; allow_json: string;
}
interface VersionRow {
  function_name: string; version: number; code_sha256: string; code_size: number; runtime: string; handler: string;
  memory_mb: number; timeout_s: number; env_json: string; secret_env_json: string; description: string; created_at: string; published: number;
  network: string; allow_json: string;
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
    this.db.prepare(`INSERT INTO functions (name, runtime, handler, memory_mb, timeout_s, env_json, secret_env_json, description, network, allow_json, latest_version, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`).run(name, s.runtime, s.handler, s.memoryMb, s.timeoutS, JSON.stringify(s.env), JSON.stringify(s.secretEnv), s.description, s.network, JSON.stringify(s.allow), now, now);
  }

  updateSettings(name: string, s: FunctionSettings, now: string): void {
    this.db.prepare(`UPDATE functions SET runtime = ?, handler = ?, memory_mb = ?, timeout_s = ?, env_json = ?, secret_env_json = ?, description = ?, network = ?, allow_json = ?, updated_at = ? WHERE name = ?`)
      .run(s.runtime, s.handler, s.memoryMb, s.timeoutS, JSON.stringify(s.env), JSON.stringify(s.secretEnv), s.description, s.network, JSON.stringify(s.allow), now, name);
  }

  /** Runs `work` in one transaction (nested calls join it). */
  inTransaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  delete(name: string): boolean {
    return this.db.prepare('DELETE FROM functions WHERE name = ?').run(name).changes > 0;
  }

  /**
   * Numbers and stores a new snapshot from the function's current settings and makes it
   * $LATEST, atomically. Numbers come from a per-function sequence and are never reused
   * (a warm sandbox is keyed by function, number and code). An unpublished $LATEST state
   * that this one replaces is unreachable afterwards, so it is dropped.
   */
  addVersion(name: string, code: { sha256: string; size: number }, now: string, published = true): VersionRecord {
    return this.db.transaction(() => {
      const fn = this.get(name);
      if (!fn) throw new Error(`function ${name} vanished while adding a version`);
      const next = (this.db.prepare('SELECT version_seq FROM functions WHERE name = ?').pluck().get(name) as number) + 1;
      this.db.prepare(`INSERT INTO versions (function_name, version, code_sha256, code_size, runtime, handler, memory_mb, timeout_s, env_json, secret_env_json, description, network, allow_json, created_at, published)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(name, next, code.sha256, code.size, fn.runtime, fn.handler, fn.memoryMb, fn.timeoutS, JSON.stringify(fn.env), JSON.stringify(fn.secretEnv), fn.description,
        fn.network, JSON.stringify(fn.allow), now, published ? 1 : 0);
      this.db.prepare('UPDATE functions SET latest_version = ?, version_seq = ?, updated_at = ? WHERE name = ?').run(next, next, now, name);
      this.dropDraft(name, fn.latestVersion);
      return this.getVersion(name, next)!;
    })();
  }

  /** Points $LATEST at an existing version and takes its settings (a rollback). */
  setLatest(name: string, version: VersionRecord, now: string): void {
    this.db.transaction(() => {
      const previous = this.get(name)?.latestVersion ?? null;
      this.updateSettings(name, version, now);
      this.db.prepare('UPDATE functions SET latest_version = ? WHERE name = ?').run(version.version, name);
      if (previous !== version.version) this.dropDraft(name, previous);
    })();
  }

  markPublished(name: string, version: number): void {
    this.db.prepare('UPDATE versions SET published = 1 WHERE function_name = ? AND version = ?').run(name, version);
  }

  deleteVersion(name: string, version: number): boolean {
    return this.db.prepare('DELETE FROM versions WHERE function_name = ? AND version = ?').run(name, version).changes > 0;
  }

  setMinWarm(name: string, value: number): void {
    this.db.prepare('UPDATE functions SET min_warm = ? WHERE name = ?').run(value, name);
  }

  /** Functions that keep warm instances ready, with how many. */
  withMinWarm(): { name: string; minWarm: number }[] {
    return (this.db.prepare('SELECT name, min_warm FROM functions WHERE min_warm > 0').all() as { name: string; min_warm: number }[])
      .map((r) => ({ name: r.name, minWarm: r.min_warm }));
  }

  setReservedConcurrency(name: string, value: number | null): void {
    this.db.prepare('UPDATE functions SET reserved_concurrency = ? WHERE name = ?').run(value, name);
  }

  private dropDraft(name: string, version: number | null): void {
    if (version !== null) this.db.prepare('DELETE FROM versions WHERE function_name = ? AND version = ? AND published = 0').run(name, version);
  }

  getVersion(name: string, version: number): VersionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM versions WHERE function_name = ? AND version = ?').get(name, version) as VersionRow | undefined;
    return row && toVersion(row);
  }

  /** Published versions, oldest first. */
  listVersions(name: string): VersionRecord[] {
    return (this.db.prepare('SELECT * FROM versions WHERE function_name = ? AND published = 1 ORDER BY version').all(name) as VersionRow[]).map(toVersion);
  }

  /** Code blobs still referenced by any version (the code store keeps these). */
  referencedCode(): Set<string> {
    return new Set(this.db.prepare('SELECT DISTINCT code_sha256 FROM versions').pluck().all() as string[]);
  }
}

function toFunction(r: FunctionRow): FunctionRecord {
  return {
    name: r.name, runtime: r.runtime, handler: r.handler, memoryMb: r.memory_mb, timeoutS: r.timeout_s,
    env: JSON.parse(r.env_json) as Record<string, string>, secretEnv: JSON.parse(r.secret_env_json) as Record<string, string>, description: r.description, ...networkOf(r),
    latestVersion: r.latest_version, reservedConcurrency: r.reserved_concurrency, minWarm: r.min_warm, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toVersion(r: VersionRow): VersionRecord {
  return {
    functionName: r.function_name, version: r.version, codeSha256: r.code_sha256, codeSize: r.code_size,
    runtime: r.runtime, handler: r.handler, memoryMb: r.memory_mb, timeoutS: r.timeout_s,
    env: JSON.parse(r.env_json) as Record<string, string>, secretEnv: JSON.parse(r.secret_env_json) as Record<string, string>, description: r.description, ...networkOf(r), createdAt: r.created_at,
    published: r.published === 1,
  };
}

function networkOf(r: { network: string; allow_json: string }): { network: NetworkMode; allow: string[] } {
  return { network: r.network as NetworkMode, allow: JSON.parse(r.allow_json) as string[] };
}
