// Tags on functions (Lambda's key → value labels): read, set and removed by key, in
// turn with the function's other changes, so a tag never lands on a function being
// deleted. A function's first tags come with it (Registry.createWithCode).
import { tagsAfter, validateTags } from '../model/tags.js';
import type { TagsTable } from '../store/tags-table.js';
import type { FunctionLookup } from './catalog.js';
import type { FunctionLocks } from './function-locks.js';

export class FunctionTags {
  constructor(private readonly table: TagsTable, private readonly functions: FunctionLookup, private readonly locks: FunctionLocks) {}

  /** A function's tags, by key. */
  get(fn: string): Record<string, string> {
    this.functions.get(fn);
    return this.table.get(fn);
  }

  /** Sets tags (replacing the values of keys the function has), at most 50 in all. */
  async set(fn: string, tags: unknown): Promise<Record<string, string>> {
    const added = validateTags(tags, { nonEmpty: true });
    return this.locks.run(fn, () => {
      this.functions.get(fn);
      tagsAfter(this.table.get(fn), added);
      this.table.put(fn, added);
      return this.table.get(fn);
    });
  }

  /** Removes tags by key (keys the function does not have are no matter). */
  async remove(fn: string, keys: string[]): Promise<Record<string, string>> {
    return this.locks.run(fn, () => {
      this.functions.get(fn);
      this.table.remove(fn, keys);
      return this.table.get(fn);
    });
  }
}
