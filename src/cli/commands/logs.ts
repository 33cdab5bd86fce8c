// skyscale logs --name N [--limit 20] [--before TIME] [--follow]: what the newest
// invocations printed, oldest first, read page by page (the server sends at most 1000
// invocations and 4 MB a page); --follow then prints new invocations' lines as they
// arrive, from the live log stream (log-follow.ts; Ctrl-C stops).
import { CliError } from '../cli-error.js';
import { NAME_OPTION, requireName, type Command, type CommandContext } from '../command.js';
import { followLive } from './log-follow.js';

interface LogEntry { id: string; version: number; status: string; startedAt: string; durationMs: number | null; cold: boolean; log: string }
interface LogPage { invocations: LogEntry[]; nextCursor: string | null }

/** what the server sends in one page at most */
const PAGE_MAX = 1000;
/** how far back --follow looks for what it has not printed yet */
const FOLLOW_LOOKBACK = 1000;

export const logsCommand: Command = {
  name: 'logs',
  summary: "show the function's logs, newest invocations (--follow: new ones' lines live, as they are printed)",
  usage: 'skyscale logs --name NAME [--limit 20] [--before 2026-12-01T12:00:00Z] [--follow]',
  options: { ...NAME_OPTION, limit: { type: 'string' }, before: { type: 'string' }, follow: { type: 'boolean', short: 'f' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const limit = Number((values.limit as string | undefined) ?? '20');
    if (!Number.isInteger(limit) || limit < 1) throw new CliError('InvalidArguments', `--limit must be a whole number from 1 (got ${JSON.stringify(values.limit)})`, `usage: ${this.usage}`);
    const before = values.before as string | undefined;
    const invocations = await newest(ctx, name, limit, { before });
    if (ctx.json && !values.follow) {
      ctx.out(JSON.stringify(invocations)); // one array, newest first; --follow prints one object a line
      return 0;
    }
    if (!invocations.length && !values.follow) ctx.err(`no invocations of ${name}${before ? ` before ${before}` : ''} yet`);
    const seen = new Set<string>();
    print([...invocations].reverse(), ctx, seen);
    if (!values.follow) return 0;
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    await followLive(ctx, name, seen, {
      finishedSince: (known) => newest(ctx, name, FOLLOW_LOOKBACK, { until: (e) => known(e.id) }),
      printEntry: (e) => print([e], ctx, seen),
      stop: stop.signal,
    });
    return 0;
  },
};

/**
 * Up to `limit` invocations, newest first, page after page; with `until`, stops at the
 * first one it says (not included).
 */
async function newest(ctx: CommandContext, name: string, limit: number, opts: { before?: string; until?: (e: LogEntry) => boolean }): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(Math.min(PAGE_MAX, limit - out.length)) });
    if (cursor) query.set('cursor', cursor);
    else if (opts.before) query.set('before', opts.before);
    const page: LogPage = await ctx.client().json<LogPage>('GET', `/v1/functions/${encodeURIComponent(name)}/logs?${query}`);
    for (const e of page.invocations) {
      if (opts.until?.(e)) return out;
      out.push(e);
    }
    cursor = page.nextCursor;
  } while (cursor && out.length < limit);
  return out;
}

function print(entries: LogEntry[], ctx: CommandContext, seen: Set<string>): void {
  for (const inv of entries) {
    seen.add(inv.id);
    if (ctx.json) {
      ctx.out(JSON.stringify(inv));
      continue;
    }
    const duration = inv.durationMs === null ? '' : ` ${inv.durationMs.toFixed(2)} ms`;
    ctx.out(`── ${inv.startedAt} ${inv.id} v${inv.version} ${inv.status}${inv.cold ? ' cold' : ''}${duration}`);
    if (inv.log) ctx.out(inv.log.replace(/\n$/, ''));
  }
}
