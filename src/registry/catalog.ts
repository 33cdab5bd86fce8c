// Functions and their versions as stored, looked up by name: what aliases, function
// URLs and the registry all need, and all that aliases and URLs may see of functions.
import { SkyscaleError } from '../errors.js';
import type { FunctionRecord, VersionRecord } from '../model/function.js';
import type { FunctionsTable } from '../store/functions-table.js';

export interface FunctionLookup {
  /** The function, or FunctionNotFound. */
  get(name: string): FunctionRecord;
  /** One published version, or FunctionNotFound. */
  version(name: string, number: number): VersionRecord;
}

export class Catalog implements FunctionLookup {
  constructor(private readonly functions: FunctionsTable) {}

  get(name: string): FunctionRecord {
    const fn = this.functions.get(name);
    if (!fn) throw functionNotFound(name);
    return fn;
  }

  version(name: string, number: number): VersionRecord {
    this.get(name);
    const v = this.functions.getVersion(name, number);
    if (!v || !v.published) throw new SkyscaleError('FunctionNotFound', `function "${name}" has no version ${number}`, { subject: { function: name, qualifier: String(number) }, hint: `list them with \`skyscale versions --name ${name}\`` });
    return v;
  }
}

export function functionNotFound(name: string): SkyscaleError {
  return new SkyscaleError('FunctionNotFound', `function "${name}" does not exist`, { subject: { function: name }, hint: 'list functions with `skyscale list`' });
}
