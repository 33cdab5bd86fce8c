// skyscale invocation ID: one invocation. An asynchronous one (the id `invoke --async`
// printed) shows its state in the queue and every attempt, each with the id of its own
// record, and the delivery of its destination record; any other id shows that
// invocation's record. --json prints what the API answered. Exits 1 when the invocation
// failed or expired.
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';

interface Attempt { attempt: number; startedAt: string; finishedAt: string | null; outcome: string; errorType: string | null; durationMs: number | null; recordId: string }
interface AsyncWire {
  id: string; function: string; qualifier: string | null; state: string; acceptedAt: string; nextAttemptAt: string | null; finishedAt: string | null;
  reason: string | null; payloadBytes: number; attempts: Attempt[];
  deliveries?: { condition: string; destination: string; state: string; attempts: number; lastError: string | null }[];
}
interface RecordWire {
  id: string; functionName: string; version: number; status: string; errorType: string | null; errorMessage: string | null; cold: boolean;
  durationMs: number | null; initMs: number | null; startedAt: string;
}

export const invocationCommand: Command = {
  name: 'invocation',
  summary: 'show one invocation: an asynchronous one\'s state and attempts, or a record',
  usage: 'skyscale invocation ID [--json]',
  options: { id: { type: 'string' } },
  async run(values, positionals, ctx) {
    const id = (values.id as string | undefined) ?? positionals[0];
    if (!id) throw new CliError('MissingArgument', 'an invocation id is required', `usage: ${this.usage} (the id \`skyscale invoke --async\` printed, or a request id)`);
    const answer = await ctx.client().json<{ async?: AsyncWire; invocation?: RecordWire }>('GET', `/v1/invocations/${encodeURIComponent(id)}`);
    if (ctx.json) {
      ctx.out(JSON.stringify(answer.async ?? answer.invocation));
      return answer.async && ['failed', 'expired'].includes(answer.async.state) ? 1 : 0;
    }
    if (answer.async) return showAsync(answer.async, ctx.out);
    const r = answer.invocation!;
    ctx.out(`${r.id}  ${r.functionName} version ${r.version}: ${r.status}${r.errorType ? ` (${r.errorType}${r.errorMessage ? `: ${r.errorMessage}` : ''})` : ''}`);
    ctx.out(`started ${r.startedAt}, ${r.cold ? `cold start (init ${ms(r.initMs)})` : 'warm'}, ran ${ms(r.durationMs)}`);
    return 0;
  },
};

function showAsync(a: AsyncWire, out: (line: string) => void): number {
  out(`${a.id}  ${a.function}${a.qualifier ? `:${a.qualifier}` : ''} (asynchronous): ${a.state}`);
  out(`accepted ${a.acceptedAt}${a.finishedAt ? `, finished ${a.finishedAt}` : ''}${a.nextAttemptAt ? `, next attempt due ${a.nextAttemptAt}` : ''}; payload ${a.payloadBytes} bytes`);
  if (a.reason) out(`reason: ${a.reason}`);
  if (a.attempts.length) {
    out('attempt  started                   outcome      error                 ran        record');
    for (const t of a.attempts) {
      out(`${`#${t.attempt}`.padEnd(8)} ${t.startedAt.padEnd(25)} ${t.outcome.padEnd(12)} ${(t.errorType ?? '-').padEnd(21)} ${ms(t.durationMs).padEnd(10)} ${t.recordId}`);
    }
  } else out('no attempt yet');
  for (const d of a.deliveries ?? []) {
    out(`destination (${d.condition}): ${d.destination}: ${d.state} after ${d.attempts} attempt${d.attempts === 1 ? '' : 's'}${d.lastError ? ` (${d.lastError})` : ''}`);
  }
  return a.state === 'failed' || a.state === 'expired' ? 1 : 0;
}

const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(1)} ms`);
