// A sandbox whose agent is reached over a child process's stdin/stdout: the gvisor
// driver (the child is `runsc run`) and the process driver (the child is the agent
// itself) share this. Readiness is the agent's `ready` frame, raced against the
// child's exit and a deadline — never a sleep. A frozen sandbox is thawed before it is
// stopped (a frozen process cannot die) and when its child exits on its own (so the
// rest of the sandbox, told to die with it, can); whatever is left of the child's
// process group when the child exits is killed then.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import { AgentChannel } from './agent-channel.js';
import type { Sandbox, SandboxEgress, SandboxExit } from './driver.js';
import type { Freezer } from './freezer.js';

export interface ChildSandboxOptions {
  id: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  log: Logger;
  readyTimeoutMs: number;
  /** extra teardown after the child is gone (gVisor: runsc delete, bundle removal; the network link) */
  cleanup?: () => Promise<void>;
  egress?: SandboxEgress;
  /** how the sandbox is frozen, given the child's pid; without it the sandbox cannot be */
  freezer?: (pid: number) => Freezer;
}

const STDERR_TAIL_BYTES = 4096;

export async function startChildSandbox(o: ChildSandboxOptions): Promise<Sandbox> {
  const child = spawn(o.command, o.args, { env: o.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const channel = new AgentChannel(child.stdout!, child.stdin!);
  let stderrTail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    o.log.debug({ sandbox: o.id, stderr: chunk.toString('utf8').trimEnd() }, 'sandbox stderr');
  });
  const exited = new Promise<SandboxExit>((resolve) => {
    child.on('error', (err) => {
      stderrTail += `\n${err.message}`;
    });
    child.on('close', (code, signal) => {
      channel.close(`the sandbox exited (code ${code}, signal ${signal})`);
      resolve({ code, signal, stderrTail });
    });
  });
  const freezer = child.pid !== undefined ? o.freezer?.(child.pid) : undefined;
  const sandbox = new ChildSandbox(o.id, child, channel, exited, o.log, o.cleanup, freezer, o.egress);
  // When the child exits, the rest of its process group (what the agent or a handler
  // left running) goes with it, at once: the group's number cannot be reused while any
  // member lives, so this reaches only the sandbox's own processes.
  child.on('exit', () => {
    const rest = () => killRest(child.pid);
    if (sandbox.frozen) void sandbox.thaw().catch(() => undefined).finally(rest);
    else rest();
  });
  const timer = setTimeout(() => channel.close(`the agent did not report ready within ${o.readyTimeoutMs} ms`), o.readyTimeoutMs);
  try {
    await channel.ready;
    return sandbox;
  } catch (err) {
    await sandbox.stop();
    if (err instanceof SkyscaleError) throw err; // refused by the host (AgentProtocolMismatch): the reason is ours, not the child's
    const exit = await exited;
    throw new Error(`${(err as Error).message}${exit.stderrTail ? `: ${lastLines(exit.stderrTail)}` : ''}`);
  } finally {
    clearTimeout(timer);
  }
}

class ChildSandbox implements Sandbox {
  private stopping: Promise<void> | null = null;

  constructor(
    readonly id: string,
    private readonly child: ChildProcess,
    readonly channel: AgentChannel,
    readonly exited: Promise<SandboxExit>,
    private readonly log: Logger,
    private readonly cleanup?: () => Promise<void>,
    private readonly freezer?: Freezer,
    readonly egress?: SandboxEgress,
  ) {}

  get pid(): number | undefined {
    return this.child.pid;
  }

  get frozen(): boolean {
    return this.freezer?.frozen ?? false;
  }

  freeze(): Promise<boolean> {
    // Never again once the child has exited: it was thawed then so the rest could die.
    const exited = this.child.exitCode !== null || this.child.signalCode !== null;
    if (!this.freezer || this.stopping || exited || this.channel.isClosed) return Promise.resolve(false);
    return this.freezer.freeze();
  }

  thaw(): Promise<void> {
    return this.freezer?.frozen ? this.freezer.thaw() : Promise.resolve();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.thaw().catch((err: Error) => this.log.warn({ sandbox: this.id, err: err.message }, 'thawing a sandbox to stop it failed'));
      shutdownQuietly(this.channel);
      killGroup(this.child, 'SIGKILL');
      await this.exited;
      await this.freezer?.close();
      await this.cleanup?.();
    })();
    return this.stopping;
  }
}

function shutdownQuietly(channel: AgentChannel): void {
  try {
    channel.shutdown();
  } catch {
    // the stream may already be gone; the kill below is what counts
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

function killRest(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing of the group is left
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
