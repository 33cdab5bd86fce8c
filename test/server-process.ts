// A Skyscale server as its own process (node dist/src/cli/main.js server), for tests and
// benchmarks that need what an in-process server cannot give: a server killed with
// SIGKILL and started again on the same data dir, or a load generator that does not
// share the server's event loop. The port is chosen free before the start.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { repoPath } from '../src/paths.js';
import { eventually } from './fakes/eventually.js';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** what the server wrote to stderr and stdout, for a failing test to show */
  output(): string;
  /** resolves with the exit code or signal once the process has gone */
  exited: Promise<number | string>;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Starts the server with SKYSCALE_* settings in `env` (over this process's environment) and waits for /healthz. */
export async function startServerProcess(env: Record<string, string>, port?: number): Promise<ServerProcess> {
  const p = port ?? await freePort();
  const child = spawn(process.execPath, [repoPath('dist/src/cli/main.js'), 'server'], {
    env: { ...process.env, SKYSCALE_LOG_LEVEL: 'warn', ...env, SKYSCALE_PORT: String(p), SKYSCALE_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  child.stderr!.on('data', (d: Buffer) => { output = (output + d.toString()).slice(-20_000); });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)));
  const url = `http://127.0.0.1:${p}`;
  let gone: number | string | null = null;
  void exited.then((e) => { gone = e; });
  await eventually(async () => {
    if (gone !== null) throw new Error(`the server exited (${gone}) before it served:\n${output}`);
    return fetch(`${url}/healthz`).then((r) => r.ok).catch(() => false);
  }, 'the server process to serve', 120_000, 50);
  return { url, child, output: () => output, exited };
}
