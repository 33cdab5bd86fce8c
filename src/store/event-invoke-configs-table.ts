// Data access for event invoke configs: a function's (qualifier '') or one version's or
// alias's retry and age settings for asynchronous invocations, with the destinations
// (Lambda's DestinationConfig, as sent). They go with their function (ON DELETE CASCADE).
import type { Db } from './database.js';
import type { EventInvokeConfig } from '../model/async-invocation.js';

interface Row { function_name: string; qualifier: string; max_retry_attempts: number; max_event_age_s: number; destinations_json: string | null; last_modified: string }

export class EventInvokeConfigsTable {
  private readonly getStmt;

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare('SELECT * FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?');
  }

  put(c: EventInvokeConfig): void {
    this.db.prepare(`INSERT INTO event_invoke_configs (function_name, qualifier, max_retry_attempts, max_event_age_s, destinations_json, last_modified)
      VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (function_name, qualifier) DO UPDATE SET max_retry_attempts = excluded.max_retry_attempts,
      max_event_age_s = excluded.max_event_age_s, destinations_json = excluded.destinations_json, last_modified = excluded.last_modified`)
      .run(c.functionName, c.qualifier, c.maxRetryAttempts, c.maxEventAgeSeconds, c.destinations ? JSON.stringify(c.destinations) : null, c.lastModified);
  }

  get(functionName: string, qualifier: string): EventInvokeConfig | undefined {
    const row = this.getStmt.get(functionName, qualifier) as Row | undefined;
    return row && toConfig(row);
  }

  /** Whether there was one to delete. */
  delete(functionName: string, qualifier: string): boolean {
    return this.db.prepare('DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?').run(functionName, qualifier).changes > 0;
  }

  list(functionName: string): EventInvokeConfig[] {
    return (this.db.prepare('SELECT * FROM event_invoke_configs WHERE function_name = ? ORDER BY qualifier').all(functionName) as Row[]).map(toConfig);
  }
}

function toConfig(r: Row): EventInvokeConfig {
  return {
    functionName: r.function_name, qualifier: r.qualifier, maxRetryAttempts: r.max_retry_attempts, maxEventAgeSeconds: r.max_event_age_s,
    destinations: r.destinations_json ? JSON.parse(r.destinations_json) as Record<string, unknown> : null, lastModified: r.last_modified,
  };
}
