// skyscale audit [--limit N]: the newest changes, oldest of them first: when, which key,
// what, on what, from where, and how it ended.
import { CliError } from '../cli-error.js';
import { table, type Command } from '../command.js';

interface AuditEntry { seq: number; at: string; keyId: string; keyName: string; action: string; target: string; client: string; result: string; detail: string | null }

/** Targets come from request paths, which anyone may write: control characters are shown escaped, never sent to the terminal. */
const printable = (s: string | null) => (s === null ? null : s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));

export const auditCommand: Command = {
  name: 'audit',
  summary: 'the audit log of changes: who, what, when, from where, result (admin keys)',
  usage: 'skyscale audit [--limit 50]',
  options: { limit: { type: 'string', short: 'l' } },
  async run(values, _positionals, ctx) {
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError('InvalidArguments', '--limit must be a whole number from 1 to 1000', `usage: ${this.usage}`);
    const { entries } = await ctx.client().json<{ entries: AuditEntry[] }>('GET', `/v1/audit?limit=${limit}`);
    if (ctx.json) {
      ctx.out(JSON.stringify(entries));
      return 0;
    }
    if (!entries.length) {
      ctx.err('no changes recorded yet');
      return 0;
    }
    ctx.out(table([['TIME', 'KEY', 'ACTION', 'TARGET', 'FROM', 'RESULT', 'DETAIL'],
      ...[...entries].reverse().map((e) => [e.at, `${e.keyId} (${printable(e.keyName)})`, e.action, printable(e.target), e.client, e.result, printable(e.detail)])]));
    return 0;
  },
};
