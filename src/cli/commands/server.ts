// skyscale server: runs the control plane in the foreground until SIGINT/SIGTERM. The
// server's modules load only when this command runs, so other commands start fast.
import { loadConfig, SETTINGS } from '../../config.js';
import type { Command, Options } from '../command.js';

const options: Options = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: 'string' as const }]));

export const serverCommand: Command = {
  name: 'server',
  summary: 'run the control plane in the foreground',
  usage: `skyscale server [${SETTINGS.map((s) => `--${s.flag} V`).join('] [')}]`,
  options,
  async run(values, _positionals, ctx) {
    const flags = Object.fromEntries(Object.entries(values).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
    const config = loadConfig(ctx.env, flags);
    // A signal while the server starts stops it once started, so what the start set up
    // (pre-warm boots, the sandbox network) is torn down, not left behind.
    let stopRequested = false;
    let wake = () => {};
    const stop = () => {
      stopRequested = true;
      wake();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const { startServer, createLogger } = await import('../../server.js');
    const log = createLogger(config.logLevel);
    const server = await startServer(config, log);
    if (server.generatedAdminKey) {
      ctx.err(`\nAdmin API key (shown once, also saved in ${config.dataDir}/admin-key):\n  ${server.generatedAdminKey}\nThe CLI on this machine finds it there; elsewhere set SKYSCALE_API_KEY.\n`);
    }
    ctx.err(`Skyscale ${server.url} (sandbox: ${server.driver.name})`);
    if (!stopRequested) await new Promise<void>((resolve) => { wake = resolve; });
    ctx.err('stopping: tearing down sandboxes…');
    await server.close();
    return 0;
  },
};
