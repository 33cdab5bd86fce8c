// skyscale logs --name N [--follow]: the printed lines of the newest invocations,
// oldest first; --follow keeps printing new invocations as they finish (Ctrl-C stops).
import { NAME_OPTION, requireName, type Command, type CommandContext } from '../command.js';

interface LogEntry { id: string; version: number; status: string; startedAt: string; durationMs: number | null; cold: boolean; log: string }

const FOLLOW_POLL_MS = 1000;

export const logsCommand: Command = {
  name: 'logs',
  summary: "show the function's logs, newest invocations (--follow for new ones as they come)",
  usage: 'skyscale logs --name NAME [--limit 20] [--follow]',
  options: { ...NAME_OPTION, limit: { type: 'string' }, follow: { type: 'boolean', short: 'f' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const limit = (values.limit as string | undefined) ?? '20';
    const fetchLogs = async () => (await ctx.client().json<{ invocations: LogEntry[] }>(
      'GET', `/v1/functions/${encodeURIComponent(name)}/logs?limit=${encodeURIComponent(limit)}`)).invocations;
    const invocations = await fetchLogs();
    if (ctx.json && !values.follow) {
      ctx.out(JSON.stringify(invocations)); // one array, newest first; --follow prints one object a line
      return 0;
    }
    if (!invocations.length && !values.follow) ctx.err(`no invocations of ${name} yet`);
    const seen = new Set<string>();
    print([...invocations].reverse(), ctx, seen);
    if (!values.follow) return 0;
    let stop = false;
    process.once('SIGINT', () => { stop = true; });
    while (!stop) {
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
      print((await fetchLogs()).filter((i) => !seen.has(i.id)).reverse(), ctx, seen);
    }
    return 0;
  },
};

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
