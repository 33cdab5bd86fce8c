// A function's logs are read in pages, newest first: at most LOG_PAGE_MAX_ENTRIES
// invocations and LOG_PAGE_MAX_BYTES of body per page, continued with the page's
// `nextCursor` (or started from a time with `before`). The body is streamed: records
// are read from the store a few at a time as the client takes them, so a page never
// sits whole in memory; a few pages stream at once and more readers wait their turn,
// so however many there are, the memory and the CPU they take stay bounded and other
// requests keep being answered.
import { Readable } from 'node:stream';
import { SkyscaleError } from '../../errors.js';
import type { LogPosition, StoredInvocation } from '../../model/invocation.js';
import { LOG_PAGE_MAX_BYTES } from '../../model/limits.js';
import { logEntryView } from './views.js';

/** Records read from the store at a time: at the per-invocation log cap, about 1 MB. */
const READ_BATCH = 4;
/** What the stream buffers before it waits for the client. */
const STREAM_BUFFER_BYTES = 64 * 1024;
/** Pages streaming at once; later readers wait for one to end. */
const PAGES_AT_ONCE = 4;

/** Lets PAGES_AT_ONCE pages stream at a time, in the order they were asked for. */
export class PageGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit = PAGES_AT_ONCE) {}

  /** Resolves with the release function once the page may stream. */
  async enter(): Promise<() => void> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on
      else this.active--;
    };
  }
}

export type ReadPage = (from: LogPosition | null, count: number) => StoredInvocation[];

export function encodeCursor(p: LogPosition): string {
  return Buffer.from(`${p.startedAt}|${p.seq}`).toString('base64url');
}

/** Where a page starts: after a cursor this server gave out, or before a time; null: at the newest. */
export function pageStart(query: { cursor?: string; before?: string }): LogPosition | null {
  if (query.cursor !== undefined && query.before !== undefined) {
    throw new SkyscaleError('ValidationError', 'give cursor or before, not both', { hint: 'cursor continues a page; before starts from a time' });
  }
  if (query.cursor !== undefined) {
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|(\d{1,15})$/.exec(Buffer.from(query.cursor, 'base64url').toString('utf8'));
    if (!m) throw new SkyscaleError('ValidationError', 'cursor is not one this server gave out', { hint: "pass a page's nextCursor as it came" });
    return { startedAt: m[1]!, seq: Number(m[2]) };
  }
  if (query.before !== undefined) {
    const t = Date.parse(query.before);
    if (Number.isNaN(t)) throw new SkyscaleError('ValidationError', `before must be a time (ISO 8601, e.g. 2026-12-01T12:00:00Z), got ${JSON.stringify(query.before)}`);
    // (started_at, seq) < (t, 0): every record that started before t, none at t
    return { startedAt: new Date(t).toISOString(), seq: 0 };
  }
  return null;
}

/**
 * The page as a stream of JSON text: `{"invocations":[…newest first…],"nextCursor":…}`,
 * where nextCursor is null when no older invocation is left.
 */
export function logPageStream(read: ReadPage, from: LogPosition | null, limit: number, maxBytes = LOG_PAGE_MAX_BYTES): Readable {
  return Readable.from(logPageJson(read, from, limit, maxBytes), { objectMode: false, highWaterMark: STREAM_BUFFER_BYTES });
}

async function* logPageJson(read: ReadPage, from: LogPosition | null, limit: number, maxBytes: number): AsyncGenerator<string> {
  const head = '{"invocations":[';
  // room kept for the closing part with the longest cursor
  let bytes = head.length + '],"nextCursor":""}'.length + 64;
  let sent = 0;
  let last = from;
  let more = false;
  yield head;
  reading: for (;;) {
    // one more than the page needs tells whether an older record is left
    const want = Math.min(READ_BATCH, limit - sent + 1);
    const batch = read(last, want);
    for (const { record, position } of batch) {
      const entry = `${sent ? ',' : ''}${JSON.stringify(logEntryView(record))}`;
      const size = Buffer.byteLength(entry);
      if (sent === limit || (sent > 0 && bytes + size > maxBytes)) {
        more = true;
        break reading;
      }
      bytes += size;
      sent++;
      last = position;
      yield entry;
    }
    if (batch.length < want) break;
    // A socket that takes every write at once resumes the stream from process.nextTick,
    // never from the event loop: without this turn, pages streaming to fast readers
    // would keep every other request waiting until they were all sent.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  yield `],"nextCursor":${more && last ? JSON.stringify(encodeCursor(last)) : 'null'}}`;
}
