// skyscale templates: the function templates `skyscale init --template` offers, each for
// Python and Node.js.
import { table, type Command } from '../command.js';
import { TEMPLATES } from '../templates.js';

export const templatesCommand: Command = {
  name: 'templates',
  summary: 'list the function templates of `skyscale init --template` (each for Python and Node.js)',
  usage: 'skyscale templates',
  options: {},
  async run(_values, _positionals, ctx) {
    if (ctx.json) {
      ctx.out(JSON.stringify(TEMPLATES.map((t) => ({ ...t, languages: ['python', 'nodejs'] }))));
      return 0;
    }
    ctx.out(table([['TEMPLATE', 'WHAT IT IS'], ...TEMPLATES.map((t) => [t.name, t.summary])]));
    ctx.out('\nskyscale init --name NAME --template TEMPLATE [--runtime python3.11|nodejs22.x|nodejs24.x]');
    return 0;
  },
};
