// Opens the SQLite database (WAL, foreign keys on, incremental auto-vacuum) and brings
// its schema up to date; reports and gives back the space it takes on disk.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SQLITE_MIGRATIONS, type Migration } from './migrations.js';

export type Db = Database.Database;

/** A WAL file is cut back to this after a checkpoint (it otherwise keeps its largest size). */
const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;
/** PRAGMA auto_vacuum: pages freed by deletes can be given back to the file system with incremental_vacuum. */
const INCREMENTAL = 2;

export function openDatabase(path: string, migrations: Migration[] = SQLITE_MIGRATIONS): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  useIncrementalVacuum(db);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  migrate(db, migrations);
  return db;
}

/**
 * Without auto-vacuum a SQLite file never shrinks: deleted rows only free pages inside
 * it. The mode is set before the first table is made; a database made before this is
 * rewritten once (VACUUM) to take it.
 */
function useIncrementalVacuum(db: Db): void {
  if (db.pragma('auto_vacuum', { simple: true }) === INCREMENTAL) return;
  db.pragma('auto_vacuum = INCREMENTAL');
  const tables = db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number;
  if (tables > 0) db.exec('VACUUM');
}

export function migrate(db: Db, migrations: Migration[]): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const ran: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
    ran.push(m.version);
  }
  return ran;
}

export interface SpaceReport {
  /** bytes of the pages holding data (what retention bounds) */
  usedBytes: number;
  /** bytes of the database file, free pages included */
  fileBytes: number;
  /** pages freed by deletes, not yet given back */
  freePages: number;
}

/** The database's pages, in use and free: read from its header, O(1). */
export class DatabaseSpace {
  private readonly pageCount;
  private readonly freelistCount;
  readonly pageSize: number;

  constructor(private readonly db: Db) {
    this.pageSize = db.pragma('page_size', { simple: true }) as number;
    this.pageCount = db.prepare('PRAGMA page_count').pluck();
    this.freelistCount = db.prepare('PRAGMA freelist_count').pluck();
  }

  report(): SpaceReport {
    const pages = this.pageCount.get() as number;
    const free = this.freelistCount.get() as number;
    return { usedBytes: (pages - free) * this.pageSize, fileBytes: pages * this.pageSize, freePages: free };
  }

  /** Gives up to `pages` free pages back to the file system (the file shrinks); returns how many are left. */
  release(pages: number): number {
    this.db.exec(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`);
    return this.freelistCount.get() as number;
  }

  /** Copies the WAL into the database and empties it, so the space on disk is the database file's. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}
