// The skyscale CLI: `skyscale <verb> [--name N] [flags]`, and the seeds' noun-first
// spelling `skyscale function <verb> --name N` (create = init). Human output by
// default, --json for machines; errors are one line on stderr plus a hint, exit 1.
// Control characters from functions are shown escaped, never obeyed (terminal-text.ts).
import { parseArgs } from 'node:util';
import { CliError } from './cli-error.js';
import { defaultClient, type Command, type CommandContext } from './command.js';
import { initCommand } from './commands/init.js';
import { deployCommand } from './commands/deploy.js';
import { invokeCommand } from './commands/invoke.js';
import { invocationCommand } from './commands/invocation.js';
import { dlqCommand } from './commands/dlq.js';
import { logsCommand } from './commands/logs.js';
import { deleteCommand, infoCommand, listCommand, versionsCommand } from './commands/functions.js';
import { testCommand } from './commands/test.js';
import { serverCommand } from './commands/server.js';
import { loginCommand } from './commands/login.js';
import { aliasCommand, publishCommand, rollbackCommand } from './commands/aliases.js';
import { metricsCommand } from './commands/metrics.js';
import { poolCommand } from './commands/pool.js';
import { imagesCommand } from './commands/images.js';
import { runtimesCommand } from './commands/runtimes.js';
import { templatesCommand } from './commands/templates.js';
import { keysCommand } from './commands/keys.js';
import { scheduleCommand } from './commands/schedule.js';
import { auditCommand } from './commands/audit.js';
import { VERSION } from '../version.js';
import { jsonSafe, terminalSafe } from './terminal-text.js';

export const COMMANDS: Command[] = [initCommand, testCommand, deployCommand, invokeCommand, invocationCommand, dlqCommand, logsCommand, listCommand, infoCommand,
  versionsCommand, publishCommand, aliasCommand, rollbackCommand, deleteCommand, poolCommand, imagesCommand, metricsCommand, runtimesCommand, templatesCommand, scheduleCommand, keysCommand, auditCommand, loginCommand, serverCommand];
const NOUN_ALIASES: Record<string, string> = { create: 'init' };

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [`skyscale ${VERSION} — deploy and invoke functions in sandboxes`, '', 'Usage: skyscale <command> [--name NAME] [flags] [--json]', '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '',
    'Also: skyscale function create|deploy|invoke|logs|list|info|delete --name NAME', 'Settings: SKYSCALE_ENDPOINT, SKYSCALE_API_KEY (or `skyscale login`).'].join('\n');
}

export async function runCli(argv: string[], ctx: Omit<CommandContext, 'json' | 'client'>): Promise<number> {
  let args = argv;
  if (args[0] === 'function' || args[0] === 'functions') {
    args = args.slice(1);
    if (args[0] && NOUN_ALIASES[args[0]]) args = [NOUN_ALIASES[args[0]]!, ...args.slice(1)];
  }
  const [verb, ...rest] = args;
  if (!verb || verb === 'help' || verb === '--help' || verb === '-h') {
    ctx.out(usage());
    return verb ? 0 : 1;
  }
  if (verb === '--version' || verb === 'version') {
    ctx.out(VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === verb);
  const json = rest.includes('--json');
  // Every line goes through here: what functions printed or returned is shown, not obeyed by the terminal.
  const printOut = (t: string) => ctx.out(json ? jsonSafe(t) : terminalSafe(t));
  const printErr = (t: string) => ctx.err(terminalSafe(t));
  const full: CommandContext = { ...ctx, out: printOut, err: printErr, json, client: defaultClient(ctx.env) };
  try {
    if (!command) throw new CliError('UnknownCommand', `unknown command "${verb}"`, 'run `skyscale help` for the list');
    const { values, positionals } = parseArgs({
      args: rest, allowPositionals: true, strict: true,
      options: { ...command.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
    if (values.help) {
      ctx.out(`${command.summary}\n\nusage: ${command.usage}`);
      return 0;
    }
    return await command.run(values, positionals, full);
  } catch (err) {
    const e = err instanceof CliError ? err
      : (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? new CliError('InvalidArguments', (err as Error).message, command ? `usage: ${command.usage}` : undefined)
        : (err as { type?: string }).type ? new CliError((err as { type: string }).type, (err as Error).message, (err as { hint?: string }).hint)
          : new CliError('InternalError', (err as Error).stack ?? String(err), 'this is a bug in skyscale; please report it');
    if (json) printOut(JSON.stringify({ error: e.toJSON() }));
    else printErr(`error: ${e.message}${e.hint ? `\n  hint: ${e.hint}` : ''}`);
    return 1;
  }
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  // A reader that stops early (`skyscale pool | head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    readStdin,
  });
  process.exitCode = code;
}
