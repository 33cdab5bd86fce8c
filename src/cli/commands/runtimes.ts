// skyscale runtimes: the runtimes functions may ask for on the server's node (GET
// /v1/runtimes): each with its language and real interpreter version, and the names
// another runtime stands in for.
import { table, type Command } from '../command.js';

interface RuntimeView { name: string; language: string; version: string; runsOn?: string; note?: string }

export const runtimesCommand: Command = {
  name: 'runtimes',
  summary: 'list the runtimes the server can run (name, language, interpreter version)',
  usage: 'skyscale runtimes',
  options: {},
  async run(_values, _positionals, ctx) {
    const { runtimes } = await ctx.client().json<{ runtimes: RuntimeView[] }>('GET', '/v1/runtimes');
    if (ctx.json) {
      ctx.out(JSON.stringify(runtimes));
      return 0;
    }
    const language = (l: string) => (l === 'nodejs' ? 'Node.js' : l === 'python' ? 'Python' : l);
    ctx.out(table([['NAME', 'LANGUAGE', 'VERSION', 'NOTE'], ...runtimes.map((r) => [r.name, language(r.language), r.version, r.note ?? ''])]));
    return 0;
  },
};
