// skyscale test --name N --payload JSON: runs the function once on this machine through
// the server's own invoke path and the same agent and runtime shim the sandboxes use
// (process driver, no server, no isolation), and prints the result and the log. The
// invoke path's modules load only when this command runs, so other commands start fast.
import { existsSync } from 'node:fs';
import { CliError } from '../cli-error.js';
import { NAME_OPTION, PAYLOAD_OPTIONS, formatPayload, readPayload, requireName, type Command } from '../command.js';
import { packageFolder, readFunctionFolder } from '../function-folder.js';
import { folderOf } from '../function-here.js';
import { loadConfig } from '../../config.js';

export const testCommand: Command = {
  name: 'test',
  summary: 'run a function locally once (no server needed)',
  usage: "skyscale test --name NAME [--payload '{...}' | --payload-file F | --payload -] [--dir PATH]",
  options: { ...NAME_OPTION, ...PAYLOAD_OPTIONS, dir: { type: 'string' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const folder = readFunctionFolder(folderOf(name, values.dir as string | undefined));
    const event = await readPayload(values, ctx);
    const config = loadConfig(ctx.env);
    if (!existsSync(config.agentPath)) throw new CliError('AgentMissing', `the agent binary is missing (${config.agentPath})`, 'run scripts/setup.sh first');
    const [{ canonicalizePackage }, { LocalRunner }, { default: pino }] = await Promise.all([
      import('../../registry/code-package.js'), import('../../local-runner.js'), import('pino'),
    ]);
    const pkg = await canonicalizePackage(await packageFolder(folder.dir, (m) => ctx.err(`… ${m}`), folder.settings.runtime), folder.settings.handler, undefined, folder.settings.runtime).catch((e: Error) => {
      throw new CliError('InvalidCodePackage', e.message, (e as { hint?: string }).hint);
    });
    const runner = new LocalRunner(config, folder.name, folder.settings, pkg.tar, pino({ level: 'silent' }));
    try {
      const outcome = await runner.invoke(event, `local-${Date.now()}`);
      if (outcome.log) ctx.err(outcome.log.trimEnd());
      if (ctx.json) ctx.out(JSON.stringify({ status: outcome.status, durationMs: outcome.durationMs, initMs: outcome.initMs, payload: JSON.parse(outcome.payload.toString('utf8') || 'null') as unknown }));
      else ctx.out(formatPayload(outcome.payload));
      if (outcome.status !== 'success') {
        ctx.err(`error: the function failed (${outcome.status}${outcome.errorType ? `: ${outcome.errorType}` : ''}${outcome.durationMs === null ? ', while starting' : ''})`);
        return 1;
      }
      ctx.err(`(local run, ${outcome.durationMs?.toFixed(2)} ms${outcome.initMs !== null ? `, init ${outcome.initMs.toFixed(2)} ms` : ''})`);
      return 0;
    } finally {
      await runner.close();
    }
  },
};
