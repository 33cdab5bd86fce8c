// skyscale dlq list|show|redrive|purge --name N [--id ID | --all]: a function's dead
// letters (asynchronous invocations that failed with no on-failure destination, and
// destination deliveries that could not be made). redrive queues each one's original
// payload again as a new event; purge deletes them. --id may be given more than once.
import { CliError } from '../cli-error.js';
import { NAME_OPTION, requireName, table, type Command } from '../command.js';

interface DeadLetterWire {
  id: string; function: string; qualifier: string | null; requestId: string; condition: string; reason: string; destination: string | null;
  createdAt: string; payloadBytes: number; payload?: string; record?: unknown;
}
interface RedriveWire { redriven: number; results: { id: string; requestId?: string; error?: { type: string; message: string } }[] }

export const dlqCommand: Command = {
  name: 'dlq',
  summary: "a function's dead letters: dlq list | show --id ID | redrive --id ID|--all | purge --id ID|--all (with --name)",
  usage: 'skyscale dlq list|show|redrive|purge --name NAME [--id ID ... | --all]',
  options: { ...NAME_OPTION, id: { type: 'string', multiple: true }, all: { type: 'boolean' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, [], this.usage);
    const [action = 'list'] = positionals;
    const base = `/v1/functions/${encodeURIComponent(name)}/dead-letters`;
    const ids = ([values.id].flat().filter((v): v is string => typeof v === 'string'));
    const all = values.all === true;
    const pick = () => {
      if (all === (ids.length > 0)) throw new CliError('InvalidArguments', `dlq ${action} needs --id ID (one or more) or --all`, `usage: ${this.usage}`);
    };
    if (action === 'list') {
      const { deadLetters, total } = await ctx.client().json<{ deadLetters: DeadLetterWire[]; total: number }>('GET', base);
      if (ctx.json) ctx.out(JSON.stringify(deadLetters));
      else if (!deadLetters.length) ctx.err(`${name} has no dead letters`);
      else {
        ctx.out(table([['ID', 'REQUEST', 'CONDITION', 'WRITTEN', 'REASON'], ...deadLetters.map((d) => [d.id, d.requestId, d.condition, d.createdAt, oneLine(d.reason)])]));
        if (total > deadLetters.length) ctx.err(`(${deadLetters.length} of ${total} shown)`);
      }
      return 0;
    }
    if (action === 'show') {
      if (ids.length !== 1) throw new CliError('MissingArgument', 'dlq show needs one --id', `usage: ${this.usage}`);
      const { deadLetter: d } = await ctx.client().json<{ deadLetter: DeadLetterWire }>('GET', `${base}/${encodeURIComponent(ids[0]!)}`);
      if (ctx.json) {
        ctx.out(JSON.stringify(d));
        return 0;
      }
      ctx.out(`${d.id}  ${d.function}${d.qualifier ? `:${d.qualifier}` : ''}: ${d.condition}, written ${d.createdAt}`);
      ctx.out(`request ${d.requestId}${d.destination ? `; the delivery to ${d.destination} failed` : ''}`);
      ctx.out(`reason: ${d.reason}`);
      ctx.out(`payload (${d.payloadBytes} bytes): ${d.payload}`);
      ctx.out(`record: ${JSON.stringify(d.record, null, 2)}`);
      return 0;
    }
    if (action === 'redrive') {
      pick();
      const res = await ctx.client().json<RedriveWire>('POST', `${base}/redrive`, all ? { all: true } : { ids });
      if (ctx.json) ctx.out(JSON.stringify(res));
      else {
        for (const r of res.results) {
          if (r.requestId) ctx.out(`${r.id} → queued again as ${r.requestId}`);
          else ctx.err(`${r.id} stays: ${r.error?.type}: ${r.error?.message}`);
        }
        if (!res.results.length) ctx.err(`${name} has no dead letters`);
      }
      return res.results.some((r) => r.error) ? 1 : 0;
    }
    if (action === 'purge') {
      pick();
      const query = all ? '?all=true' : `?ids=${encodeURIComponent(ids.join(','))}`;
      const { purged } = await ctx.client().json<{ purged: number }>('DELETE', `${base}${query}`);
      ctx.out(ctx.json ? JSON.stringify({ purged }) : `Purged ${purged} dead letter${purged === 1 ? '' : 's'} of ${name}`);
      return 0;
    }
    throw new CliError('InvalidArguments', `unknown dlq action "${action}"`, `usage: ${this.usage}`);
  },
};

const oneLine = (s: string) => (s.length > 100 ? `${s.slice(0, 97)}...` : s).replace(/\s+/g, ' ');
