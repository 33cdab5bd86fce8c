// skyscale init --name N: scaffolds ./N with handler.py, requirements.txt, skyscale.json;
// with --runtime nodejs22.x (or nodejs24.x), index.mjs, package.json, skyscale.json.
// --template T copies templates/T/<language>/ (its handler and event.json) instead of
// the plain handler.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../cli-error.js';
import { NAME_OPTION, requireName, type Command } from '../command.js';
import { validateFunctionName } from '../../model/function-config.js';
import { IMAGE_RUNTIMES, languageOf, RuntimeSet } from '../../model/runtimes.js';
import { copyTemplate, TEMPLATES } from '../templates.js';

const HANDLER = `import json


def handler(event, context):
    """Called once per invocation. \`event\` is the JSON payload, \`context\` describes the call."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    print(f"hello {name} from {context.function_name} (request {context.aws_request_id})")
    return {"message": f"Hello, {name}!", "event": event}
`;

const NODE_HANDLER = `// Called once per invocation: \`event\` is the JSON payload, \`context\` describes the call.
export const handler = async (event, context) => {
  const name = typeof event?.name === 'string' ? event.name : 'world';
  console.log(\`hello \${name} from \${context.functionName} (request \${context.awsRequestId})\`);
  return { message: \`Hello, \${name}!\`, event };
};
`;

/** The runtimes a fresh server image carries, and the Python names it stands in for. */
const KNOWN = new RuntimeSet(IMAGE_RUNTIMES);

export const initCommand: Command = {
  name: 'init',
  summary: 'create a function folder: handler.py, requirements.txt, skyscale.json (Node.js: index.mjs, package.json)',
  usage: `skyscale init --name NAME [--template ${TEMPLATES.map((t) => t.name).join('|')}] [--runtime python3.11|nodejs22.x|nodejs24.x] [--dir PATH]`,
  options: { ...NAME_OPTION, runtime: { type: 'string' }, dir: { type: 'string' }, template: { type: 'string' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const problems = validateFunctionName(name);
    if (problems.length) throw new CliError('InvalidFunctionName', problems[0]!);
    const runtime = (values.runtime as string | undefined) ?? 'python3.11';
    if (!KNOWN.choose(runtime)) throw new CliError('InvalidRuntime', `runtime must be one of ${KNOWN.describe()}`, '`skyscale runtimes` lists what the server runs');
    const template = values.template as string | undefined;
    if (template !== undefined && !TEMPLATES.some((t) => t.name === template)) {
      throw new CliError('UnknownTemplate', `there is no template "${template}"; there are ${TEMPLATES.map((t) => t.name).join(', ')}`, '`skyscale templates` lists them');
    }
    const dir = resolve((values.dir as string | undefined) ?? name);
    if (existsSync(dir)) throw new CliError('FolderExists', `${dir} already exists`, 'pick another name, or deploy the folder as it is');
    mkdirSync(dir, { recursive: true });
    const node = languageOf(runtime) === 'nodejs';
    let files: string[] = template ? copyTemplate(template, node ? 'nodejs' : 'python', dir) : [];
    if (node) {
      if (!template) writeFileSync(join(dir, 'index.mjs'), NODE_HANDLER);
      const pkg = { name, version: '1.0.0', private: true, type: 'module', main: 'index.mjs', dependencies: {} };
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
      files = [...new Set([...files, 'index.mjs', 'package.json'])];
    } else {
      if (!template) writeFileSync(join(dir, 'handler.py'), HANDLER);
      writeFileSync(join(dir, 'requirements.txt'), '# one package per line, installed by the server at deploy time\n');
      files = [...new Set([...files, 'handler.py', 'requirements.txt'])];
    }
    const config = { name, runtime, handler: node ? 'index.handler' : 'handler.handler', memory: 128, timeout: 3, env: {} };
    writeFileSync(join(dir, 'skyscale.json'), `${JSON.stringify(config, null, 2)}\n`);
    if (ctx.json) ctx.out(JSON.stringify({ created: dir, config }));
    else {
      const payload = files.includes('event.json') ? ` --payload-file ${join(dir, 'event.json')}` : '';
      ctx.out(`Created ${dir}${template ? ` from the ${template} template` : ''}\n  ${[...files, 'skyscale.json'].join('  ')}\nNext: skyscale test --name ${name}${payload}   then   skyscale deploy --name ${name}`);
    }
    return 0;
  },
};
