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
  {
    version: 2,
    name: 'Lambda API: published versions, version sequence, aliases, function URLs, reserved concurrency, encrypted key secrets',
    sql: `
      ALTER TABLE versions ADD COLUMN published INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE functions ADD COLUMN version_seq INTEGER NOT NULL DEFAULT 0;
      UPDATE functions SET version_seq = COALESCE((SELECT MAX(version) FROM versions WHERE function_name = functions.name), 0);
      ALTER TABLE functions ADD COLUMN reserved_concurrency INTEGER;
      CREATE TABLE aliases (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        function_version INTEGER NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (function_name, name)
      );
      CREATE TABLE function_urls (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        qualifier TEXT NOT NULL DEFAULT '',
        auth_type TEXT NOT NULL,
        cors_json TEXT,
        invoke_mode TEXT NOT NULL DEFAULT 'BUFFERED',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (function_name, qualifier)
      );
      ALTER TABLE api_keys ADD COLUMN secret_enc TEXT;
    `,
  },
  {
    version: 3,
    name: 'provisioned concurrency: warm instances kept ready per function',
    sql: `ALTER TABLE functions ADD COLUMN min_warm INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 4,
    name: 'API keys: the bootstrap admin key marked as such, not recognised by its name',
    sql: `
      ALTER TABLE api_keys ADD COLUMN bootstrap INTEGER NOT NULL DEFAULT 0;
      UPDATE api_keys SET bootstrap = 1 WHERE name LIKE 'bootstrap admin%';
    `,
  },
  {
    version: 5,
    name: 'secret env values, sealed under the master key, on functions and versions',
    sql: `
      ALTER TABLE functions ADD COLUMN secret_env_json TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE versions ADD COLUMN secret_env_json TEXT NOT NULL DEFAULT '{}';
    `,
  },
  {
    version: 6,
    name: 'log retention: invocations found oldest first across functions',
    sql: `CREATE INDEX invocations_by_start ON invocations (started_at);`,
  },
  {
    version: 7,
    name: 'API keys with roles, function scopes, expiry and revocation; the append-only audit log of changes',
    sql: `
      ALTER TABLE api_keys ADD COLUMN description TEXT NOT NULL DEFAULT '';
      ALTER TABLE api_keys ADD COLUMN functions_json TEXT;
      ALTER TABLE api_keys ADD COLUMN expires_at TEXT;
      ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        key_id TEXT NOT NULL,
        key_name TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        client TEXT NOT NULL,
        result TEXT NOT NULL,
        detail TEXT
      );
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
  },
  {
    version: 8,
    name: 'outbound network per function: the mode and the allow entries, on functions and their versions',
    // Functions from before had no network; they keep none. New ones get the server's default.
    sql: `
      ALTER TABLE functions ADD COLUMN network TEXT NOT NULL DEFAULT 'none';
      ALTER TABLE functions ADD COLUMN allow_json TEXT NOT NULL DEFAULT '[]';
      ALTER TABLE versions ADD COLUMN network TEXT NOT NULL DEFAULT 'none';
      ALTER TABLE versions ADD COLUMN allow_json TEXT NOT NULL DEFAULT '[]';
    `,
  },
  {
    version: 9,
    name: 'durable asynchronous invocations: the accepted events, each attempt to run them, and the per-function retry and age settings',
    sql: `
      CREATE TABLE async_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        function_name TEXT NOT NULL,
        qualifier TEXT,
        payload BLOB NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'retrying', 'succeeded', 'failed', 'expired')),
        attempts INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        accepted_at TEXT NOT NULL,
        next_attempt_at TEXT NOT NULL,
        finished_at TEXT,
        reason TEXT,
        CHECK ((finished_at IS NULL) = (state IN ('queued', 'running', 'retrying')))
      );
      CREATE INDEX async_events_due ON async_events (next_attempt_at, seq) WHERE state IN ('queued', 'retrying');
      CREATE INDEX async_events_running ON async_events (state) WHERE state = 'running';
      CREATE INDEX async_events_finished ON async_events (finished_at) WHERE finished_at IS NOT NULL;
      CREATE TABLE async_attempts (
        event_id TEXT NOT NULL REFERENCES async_events(id) ON DELETE CASCADE,
        attempt INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT NOT NULL,
        error_type TEXT,
        duration_ms REAL,
        record_id TEXT NOT NULL,
        PRIMARY KEY (event_id, attempt)
      );
      CREATE TABLE event_invoke_configs (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        qualifier TEXT NOT NULL DEFAULT '',
        max_retry_attempts INTEGER NOT NULL,
        max_event_age_s INTEGER NOT NULL,
        destinations_json TEXT,
        last_modified TEXT NOT NULL,
        PRIMARY KEY (function_name, qualifier)
      );
    `,
  },
  {
    version: 10,
    name: 'metrics: where each invocation started and the CPU it used; per-function per-minute rollups',
    sql: `
      ALTER TABLE invocations ADD COLUMN start_kind TEXT;
      ALTER TABLE invocations ADD COLUMN cpu_ms REAL;
      UPDATE invocations SET start_kind = 'warm' WHERE cold = 0 AND status != 'failed';
      CREATE TABLE metric_minutes (
        function_name TEXT NOT NULL,
        minute INTEGER NOT NULL,
        invocations INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        throttles INTEGER NOT NULL,
        cold_starts INTEGER NOT NULL,
        duration_count INTEGER NOT NULL,
        duration_sum_ms REAL NOT NULL,
        duration_min_ms REAL,
        duration_max_ms REAL,
        duration_buckets TEXT NOT NULL,
        init_count INTEGER NOT NULL,
        init_sum_ms REAL NOT NULL,
        memory_count INTEGER NOT NULL,
        memory_sum_kb INTEGER NOT NULL,
        memory_peak_kb INTEGER,
        cpu_ms REAL NOT NULL,
        PRIMARY KEY (function_name, minute)
      ) WITHOUT ROWID;
      CREATE INDEX metric_minutes_by_minute ON metric_minutes (minute);
    `,
  },
  {
    version: 11,
    name: 'tags on functions (Lambda TagResource, UntagResource, ListTags, CreateFunction Tags)',
    sql: `
      CREATE TABLE function_tags (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (function_name, key)
      );
    `,
  },
  {
    version: 14,
    name: 'audit log retention: entries older than a horizon that only moves forward may be deleted, no others',
    sql: `
      CREATE TABLE audit_horizon (id INTEGER PRIMARY KEY CHECK (id = 1), before TEXT NOT NULL);
      INSERT INTO audit_horizon (id, before) VALUES (1, '');
      CREATE TRIGGER audit_horizon_forward BEFORE UPDATE ON audit_horizon WHEN NEW.before < OLD.before
        BEGIN SELECT RAISE(ABORT, 'the audit log horizon only moves forward'); END;
      CREATE TRIGGER audit_horizon_no_delete BEFORE DELETE ON audit_horizon BEGIN SELECT RAISE(ABORT, 'the audit log horizon stays'); END;
      DROP TRIGGER audit_log_no_delete;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log WHEN OLD.at >= (SELECT before FROM audit_horizon WHERE id = 1)
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: only entries past its retention are deleted'); END;
      CREATE INDEX audit_log_by_time ON audit_log (at);
    `,
  },
  {
    version: 17,
    name: 'destinations and dead letters: records on their way to a function or webhook, and the events and deliveries that failed',
    sql: `
      CREATE TABLE async_deliveries (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        event_id TEXT NOT NULL,
        function_name TEXT NOT NULL,
        qualifier TEXT,
        condition TEXT NOT NULL CHECK (condition IN ('Success', 'RetriesExhausted', 'EventAgeExceeded')),
        destination TEXT NOT NULL,
        record TEXT NOT NULL,
        payload BLOB NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        CHECK ((finished_at IS NULL) = (state IN ('pending', 'sending')))
      );
      CREATE INDEX async_deliveries_due ON async_deliveries (next_attempt_at, seq) WHERE state = 'pending';
      CREATE INDEX async_deliveries_finished ON async_deliveries (finished_at) WHERE finished_at IS NOT NULL;
      CREATE TABLE dead_letters (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        function_name TEXT NOT NULL,
        qualifier TEXT,
        event_id TEXT NOT NULL,
        condition TEXT NOT NULL,
        reason TEXT NOT NULL,
        destination TEXT,
        payload BLOB NOT NULL,
        record TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX dead_letters_by_function ON dead_letters (function_name, seq);
      CREATE INDEX dead_letters_by_time ON dead_letters (created_at);
    `,
  },
  {
    version: 18,
    name: 'schedules: a rate or cron expression per function, and the last slot each has fired, moved in the transaction that queues its event',
    sql: `
      CREATE TABLE schedules (
        function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        expression TEXT NOT NULL,
        timezone TEXT NOT NULL,
        payload BLOB,
        state TEXT NOT NULL CHECK (state IN ('enabled', 'paused')),
        created_at TEXT NOT NULL,
        anchor_ms INTEGER NOT NULL,
        last_slot_ms INTEGER,
        last_fired_at TEXT,
        fired INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (function_name, name)
      ) WITHOUT ROWID;
    `,
  },
];
