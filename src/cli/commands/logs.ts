// skyscale logs --name N: the printed lines of the newest invocations, oldest first.
import { NAME_OPTION, requireName, type Command } from '../command.js';

interface LogEntry { id: string; version: number; status: string; startedAt: string; durationMs: number | null; cold: boolean; log: string }

export const logsCommand: Command = {
  name: 'logs',
  summary: "show the function's logs, newest invocations",
  usage: 'skyscale logs --name NAME [--limit 20]',
  options: { ...NAME_OPTION, limit: { type: 'string' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const limit = (values.limit as string | undefined) ?? '20';
    const { invocations } = await ctx.client().json<{ invocations: LogEntry[] }>('GET', `/v1/functions/${encodeURIComponent(name)}/logs?limit=${encodeURIComponent(limit)}`);
    if (ctx.json) {
      ctx.out(JSON.stringify(invocations));
      return 0;
    }
    if (!invocations.length) ctx.err(`no invocations of ${name} yet`);
    for (const inv of [...invocations].reverse()) {
      const duration = inv.durationMs === null ? '' : ` ${inv.durationMs.toFixed(2)} ms`;
      ctx.out(`── ${inv.startedAt} ${inv.id} v${inv.version} ${inv.status}${inv.cold ? ' cold' : ''}${duration}`);
      if (inv.log) ctx.out(inv.log.replace(/\n$/, ''));
    }
    return 0;
  },
};
