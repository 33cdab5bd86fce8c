// The `process` driver: the agent runs as a plain child process on the host, with no
// isolation at all. For `skyscale test`, development and unit tests only; the server
// refuses it unless it is chosen explicitly.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startChildSandbox } from '../child-sandbox.js';
import type { Sandbox, SandboxDriver, SandboxSpec } from '../driver.js';

export interface ProcessDriverOptions {
  agentPath: string;
  pythonBootstrap: string;
  python: string;
  workDir: string;
  log: Logger;
}

export class ProcessDriver implements SandboxDriver {
  readonly name = 'process' as const;
  readonly capabilities = { isolated: false, memoryLimit: false, networkOff: false, outboundNetwork: false };
  private readonly live = new Set<Sandbox>();

  constructor(private readonly o: ProcessDriverOptions) {}

  async start(spec: SandboxSpec): Promise<Sandbox> {
    const taskDir = join(this.o.workDir, spec.id);
    mkdirSync(taskDir, { recursive: true });
    const sandbox = await startChildSandbox({
      id: spec.id,
      command: this.o.agentPath,
      args: ['--runtime-api', '127.0.0.1:0', '--task-dir', taskDir, '--python', this.o.python, '--python-bootstrap', this.o.pythonBootstrap,
        ...(spec.prestart ? ['--prestart', spec.prestart] : [])],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: taskDir, LANG: 'C.UTF-8' },
      log: this.o.log,
      readyTimeoutMs: 10_000,
      cleanup: async () => {
        rmSync(taskDir, { recursive: true, force: true });
      },
    });
    this.live.add(sandbox);
    void sandbox.exited.then(() => this.live.delete(sandbox));
    return sandbox;
  }

  describe(): Record<string, unknown> {
    return { driver: this.name, isolated: false, agent: this.o.agentPath, python: this.o.python };
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.stop()));
  }
}
