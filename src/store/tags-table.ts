// Data access for the tags of functions (key → value, up to 50 per function), gone
// with their function (ON DELETE CASCADE).
import type { Db } from './database.js';

export class TagsTable {
  constructor(private readonly db: Db) {}

  get(fn: string): Record<string, string> {
    const rows = this.db.prepare('SELECT key, value FROM function_tags WHERE function_name = ? ORDER BY key').all(fn) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  /** Sets these tags (adding or replacing values); the others stay. */
  put(fn: string, tags: Record<string, string>): void {
    const upsert = this.db.prepare('INSERT INTO function_tags (function_name, key, value) VALUES (?, ?, ?) ON CONFLICT (function_name, key) DO UPDATE SET value = excluded.value');
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(tags)) upsert.run(fn, key, value);
    })();
  }

  /** Removes these keys (keys it does not have are no matter). */
  remove(fn: string, keys: string[]): void {
    const del = this.db.prepare('DELETE FROM function_tags WHERE function_name = ? AND key = ?');
    this.db.transaction(() => {
      for (const key of keys) del.run(fn, key);
    })();
  }
}
