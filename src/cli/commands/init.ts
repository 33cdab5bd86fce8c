// skyscale init --name N: scaffolds ./N with handler.py, requirements.txt, skyscale.json.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../cli-error.js';
import { NAME_OPTION, requireName, type Command } from '../command.js';
import { SUPPORTED_RUNTIMES, validateFunctionName } from '../../model/function-config.js';

const HANDLER = `import json


def handler(event, context):
    """Called once per invocation. \`event\` is the JSON payload, \`context\` describes the call."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    print(f"hello {name} from {context.function_name} (request {context.aws_request_id})")
    return {"message": f"Hello, {name}!", "event": event}
`;

export const initCommand: Command = {
  name: 'init',
  summary: 'create a function folder: handler.py, requirements.txt, skyscale.json',
  usage: 'skyscale init --name NAME [--runtime python3.11] [--dir PATH]',
  options: { ...NAME_OPTION, runtime: { type: 'string' }, dir: { type: 'string' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const problems = validateFunctionName(name);
    if (problems.length) throw new CliError('InvalidFunctionName', problems[0]!);
    const runtime = (values.runtime as string | undefined) ?? 'python3.11';
    if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(runtime)) throw new CliError('InvalidRuntime', `runtime must be one of ${SUPPORTED_RUNTIMES.join(', ')}`);
    const dir = resolve((values.dir as string | undefined) ?? name);
    if (existsSync(dir)) throw new CliError('FolderExists', `${dir} already exists`, 'pick another name, or deploy the folder as it is');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'handler.py'), HANDLER);
    writeFileSync(join(dir, 'requirements.txt'), '# one package per line, installed into the package at deploy time\n');
    const config = { name, runtime, handler: 'handler.handler', memory: 128, timeout: 3, env: {} };
    writeFileSync(join(dir, 'skyscale.json'), `${JSON.stringify(config, null, 2)}\n`);
    if (ctx.json) ctx.out(JSON.stringify({ created: dir, config }));
    else ctx.out(`Created ${dir}\n  handler.py  requirements.txt  skyscale.json\nNext: skyscale test --name ${name}   then   skyscale deploy --name ${name}`);
    return 0;
  },
};
