// Runs the CLI in process (the real parser and commands, the real HTTP client) against
// a server at `endpoint` with the admin key, and collects what it prints.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.js';
import { ADMIN_KEY } from './app.js';

export interface CliRun { code: number; stdout: string; stderr: string }

export async function runCliAt(endpoint: string, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const home = mkdtempSync(join(tmpdir(), 'skyscale-cli-home-'));
  let stdout = '';
  let stderr = '';
  try {
    const code = await runCli(args, {
      env: { HOME: home, SKYSCALE_ENDPOINT: endpoint, SKYSCALE_API_KEY: ADMIN_KEY, ...env },
      out: (t) => { stdout += `${t}\n`; },
      err: (t) => { stderr += `${t}\n`; },
      readStdin: async () => Buffer.alloc(0),
    });
    return { code, stdout, stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
