// skyscale test --name N --payload JSON: runs the function once on this machine, in
// the same agent and runtime shim the sandboxes use (process driver, no server, no
// isolation), and prints the result and the log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { CliError } from '../cli-error.js';
import { NAME_OPTION, PAYLOAD_OPTIONS, formatPayload, readPayload, requireName, type Command } from '../command.js';
import { packageFolder, readFunctionFolder } from '../function-folder.js';
import { canonicalizePackage } from '../../registry/code-package.js';
import { CodeStore } from '../../registry/code-store.js';
import { ProcessDriver } from '../../sandbox/process/process-driver.js';
import { functionArn } from '../../model/names.js';
import { initRequestFor } from '../../scheduler/invoker.js';
import { loadConfig } from '../../config.js';
import { existsSync } from 'node:fs';

export const testCommand: Command = {
  name: 'test',
  summary: 'run a function locally once (no server needed)',
  usage: "skyscale test --name NAME [--payload '{...}' | --payload-file F | --payload -] [--dir PATH]",
  options: { ...NAME_OPTION, ...PAYLOAD_OPTIONS, dir: { type: 'string' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const folder = readFunctionFolder((values.dir as string | undefined) ?? name);
    const event = await readPayload(values, ctx);
    const config = loadConfig(ctx.env);
    if (!existsSync(config.agentPath)) throw new CliError('AgentMissing', `the agent binary is missing (${config.agentPath})`, 'run scripts/setup.sh first');
    const pkg = await canonicalizePackage(await packageFolder(folder.dir, (m) => ctx.err(`… ${m}`)), folder.settings.handler).catch((e: Error) => {
      throw new CliError('InvalidCodePackage', e.message, (e as { hint?: string }).hint);
    });
    const workDir = mkdtempSync(join(tmpdir(), 'skyscale-test-'));
    const driver = new ProcessDriver({ agentPath: config.agentPath, pythonBootstrap: config.pythonBootstrap, python: config.hostPython, workDir, log: pino({ level: 'silent' }) });
    const version = { ...folder.settings, functionName: folder.name, version: 0, codeSha256: CodeStore.digest(pkg.tar), codeSize: pkg.tar.length, createdAt: new Date().toISOString(), published: true };
    const sandbox = await driver.start({ id: `local-${process.pid}`, memoryMb: version.memoryMb });
    try {
      const init = await sandbox.channel.init(initRequestFor(version, sandbox.id), pkg.tar, version.timeoutS * 1000 + 2000);
      if (init.log) ctx.err(init.log.trimEnd());
      if (!init.ok) {
        ctx.err(`error: the function failed to start: ${init.error?.errorType}: ${init.error?.errorMessage}`);
        return 1;
      }
      const timeoutMs = version.timeoutS * 1000;
      const result = await sandbox.channel.invoke({ requestId: `local-${Date.now()}`, deadlineMs: Date.now() + timeoutMs, timeoutMs, invokedFunctionArn: functionArn(folder.name) }, event, timeoutMs + 1000);
      if (result.log) ctx.err(result.log.trimEnd());
      if (ctx.json) ctx.out(JSON.stringify({ status: result.status, durationMs: result.durationMs, payload: JSON.parse(result.payload.toString('utf8') || 'null') as unknown }));
      else ctx.out(formatPayload(result.payload));
      if (result.status !== 'ok') {
        ctx.err(`error: the function failed (${result.status})`);
        return 1;
      }
      ctx.err(`(local run, ${result.durationMs.toFixed(2)} ms)`);
      return 0;
    } finally {
      await sandbox.stop();
      await driver.shutdown();
      rmSync(workDir, { recursive: true, force: true });
    }
  },
};
