// A function's dead letters: events that failed with no on-failure destination, and
// deliveries that could not be made. They are listed and shown, redriven (the original
// payload queued again as a new event, with a new request id and a fresh series of
// attempts; the dead letter goes once the new event is committed) or purged.
import { SkyscaleError } from '../errors.js';
import type { DeadLetter } from '../model/destinations.js';
import type { DeliveriesTable } from '../store/deliveries-table.js';
import type { FunctionCheck } from './event-configs.js';

/** The most a list answers. */
export const MAX_DEAD_LETTERS_LISTED = 1000;

export interface RedriveResult {
  id: string;
  /** the new event's request id */
  requestId?: string;
  error?: { type: string; message: string };
}

export class DeadLetters {
  constructor(
    private readonly table: DeliveriesTable,
    private readonly functions: FunctionCheck,
    private readonly accept: (functionName: string, qualifier: string | undefined, payload: Buffer) => Promise<string>,
  ) {}

  list(functionName: string, limit = MAX_DEAD_LETTERS_LISTED): { deadLetters: DeadLetter[]; total: number } {
    this.functions.get(functionName);
    return { deadLetters: this.table.deadLetters(functionName, Math.min(limit, MAX_DEAD_LETTERS_LISTED)), total: this.table.countDeadLetters(functionName) };
  }

  get(functionName: string, id: string): DeadLetter {
    this.functions.get(functionName);
    const d = this.table.deadLetter(functionName, id);
    if (!d) throw notFound(functionName, id);
    return d;
  }

  /** Queues each dead letter's payload again (all of the function's when `ids` is null); one that cannot be queued stays, with the error. */
  async redrive(functionName: string, ids: string[] | null): Promise<RedriveResult[]> {
    this.functions.get(functionName);
    const letters = ids === null ? this.table.deadLetters(functionName, MAX_DEAD_LETTERS_LISTED) : ids.map((id) => this.table.deadLetter(functionName, id) ?? id);
    const missing = letters.filter((l): l is string => typeof l === 'string');
    if (missing.length) throw notFound(functionName, missing[0]!);
    const results: RedriveResult[] = [];
    for (const l of letters as DeadLetter[]) {
      try {
        const requestId = await this.accept(l.functionName, l.qualifier ?? undefined, l.payload);
        this.table.deleteDeadLetters(functionName, [l.id]);
        results.push({ id: l.id, requestId });
      } catch (err) {
        const e = err instanceof SkyscaleError ? err : new SkyscaleError('InternalError', (err as Error).message);
        results.push({ id: l.id, error: { type: e.type, message: e.message } });
      }
    }
    return results;
  }

  /** Deletes the dead letters named (all of the function's when `ids` is null); returns how many went. */
  purge(functionName: string, ids: string[] | null): number {
    this.functions.get(functionName);
    return this.table.deleteDeadLetters(functionName, ids);
  }
}

function notFound(functionName: string, id: string): SkyscaleError {
  return new SkyscaleError('DeadLetterNotFound', `function "${functionName}" has no dead letter ${id}`, { hint: `list them with skyscale dlq list --name ${functionName}` });
}
