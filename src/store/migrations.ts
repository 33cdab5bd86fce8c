// Versioned schema migrations. Append only: a shipped migration is never edited, a
// change is a new entry. PostgreSQL (several nodes) will get its own list beside this.

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const SQLITE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'functions, versions, invocations, logs, api keys',
    sql: `
      CREATE TABLE functions (
        name TEXT PRIMARY KEY,
        runtime TEXT NOT NULL,
        handler TEXT NOT NULL,
        memory_mb INTEGER NOT NULL,
        timeout_s INTEGER NOT NULL,
        env_json TEXT NOT NULL DEFAULT '{}',
        description TEXT NOT NULL DEFAULT '',
        latest_version INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE versions (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        code_sha256 TEXT NOT NULL,
        code_size INTEGER NOT NULL,
        runtime TEXT NOT NULL,
        handler TEXT NOT NULL,
        memory_mb INTEGER NOT NULL,
        timeout_s INTEGER NOT NULL,
        env_json TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        PRIMARY KEY (function_name, version)
      );
      CREATE TABLE invocations (
        id TEXT PRIMARY KEY,
        function_name TEXT NOT NULL,
        version INTEGER NOT NULL,
        status TEXT NOT NULL,
        error_type TEXT,
        error_message TEXT,
        cold INTEGER NOT NULL,
        init_ms REAL,
        duration_ms REAL,
        billed_ms INTEGER,
        max_memory_kb INTEGER,
        request_bytes INTEGER NOT NULL,
        response_bytes INTEGER NOT NULL,
        log_truncated INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        finished_at TEXT NOT NULL
      );
      CREATE INDEX invocations_by_function ON invocations (function_name, started_at DESC);
      CREATE TABLE invocation_logs (
        invocation_id TEXT PRIMARY KEY REFERENCES invocations(id) ON DELETE CASCADE,
        function_name TEXT NOT NULL,
        text TEXT NOT NULL
      );
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        secret_sha256 TEXT NOT NULL,
        role TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `,
  },
];
