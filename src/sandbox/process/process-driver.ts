// The `process` driver: the agent runs as a plain child process on the host, with no
// isolation at all. For `skyscale test`, development and unit tests only; the server
// refuses it unless it is chosen explicitly. An idle sandbox is frozen with SIGSTOP to
// its process group (the agent leads one): no cgroups or root needed, one kill(2) each
// way; a process that leaves the group (setsid) is not stopped, as nothing is isolated.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { startChildSandbox } from '../child-sandbox.js';
import type { DriverCapabilities, Sandbox, SandboxDriver, SandboxSpec } from '../driver.js';
import { SignalFreezer } from '../freezer.js';

export interface ProcessDriverOptions {
  agentPath: string;
  pythonBootstrap: string;
  python: string;
  /** the built-in Node.js runtime, and the directory holding node<major>/bin/node (the root filesystem's /opt): without them Node.js functions fail at init */
  nodeBootstrap?: string;
  nodeDir?: string;
  workDir: string;
  log: Logger;
}

export class ProcessDriver implements SandboxDriver {
  readonly name = 'process' as const;
  readonly capabilities: DriverCapabilities = { isolated: false, memoryLimit: false, networkOff: false, outboundNetwork: false, freeze: 'sigstop' };
  private readonly live = new Set<Sandbox>();

  constructor(private readonly o: ProcessDriverOptions) {}

  async start(spec: SandboxSpec): Promise<Sandbox> {
    const taskDir = join(this.o.workDir, spec.id);
    mkdirSync(taskDir, { recursive: true });
    const sandbox = await startChildSandbox({
      id: spec.id,
      command: this.o.agentPath,
      args: ['--runtime-api', '127.0.0.1:0', '--task-dir', taskDir, '--python', this.o.python, '--python-bootstrap', this.o.pythonBootstrap,
        ...(this.o.nodeBootstrap && this.o.nodeDir ? ['--node-dir', this.o.nodeDir, '--node-bootstrap', this.o.nodeBootstrap] : ['--node-dir', '']),
        ...(spec.prestart ? ['--prestart', spec.prestart] : [])],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: taskDir, LANG: 'C.UTF-8' },
      log: this.o.log,
      readyTimeoutMs: 10_000,
      cleanup: async () => {
        rmSync(taskDir, { recursive: true, force: true });
      },
      freezer: (pid) => new SignalFreezer(pid),
    });
    this.live.add(sandbox);
    void sandbox.exited.then(() => this.live.delete(sandbox));
    return sandbox;
  }

  describe(): Record<string, unknown> {
    return { driver: this.name, isolated: false, agent: this.o.agentPath, python: this.o.python, freeze: this.capabilities.freeze };
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.live].map((s) => s.stop()));
  }
}
