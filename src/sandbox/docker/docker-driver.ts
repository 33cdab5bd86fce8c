// The `docker` and `docker-runsc` drivers: every sandbox is a container of the runtime
// image (container-spec.ts) made through the Docker Engine API (engine.ts), never the
// docker CLI. The agent inside is the container's process; the driver attaches to its
// stdio before it starts (the hijacked attach stream: stdin one way, stdout and stderr
// multiplexed the other, demux.ts) and speaks the same framed protocol as with gVisor.
// The engine's runtime is runc (`docker`) or gVisor's runsc registered with the engine
// (`docker-runsc`). Idle sandboxes are frozen with the engine's pause (the cgroup
// freezer, through the engine). No outbound network: containers have loopback only, and
// functions with network: outbound are refused on these drivers.
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import type { Logger } from 'pino';
import type { SandboxImage } from '../../model/node-status.js';
import { SkyscaleError } from '../../errors.js';
import { AgentChannel } from '../agent-channel.js';
import type { DriverCapabilities, Sandbox, SandboxDriver, SandboxExit, SandboxSpec } from '../driver.js';
import { OrderedFreezer } from '../freezer.js';
import { AttachDemux } from './demux.js';
import { containerSpec, leftoverContainers, LABEL_NODE, LABEL_SANDBOX } from './container-spec.js';
import type { Engine } from './engine.js';
import { listRuntimeImages } from './image.js';

const STDERR_TAIL_BYTES = 4096;
const READY_TIMEOUT_MS = 30_000;

export interface DockerDriverOptions {
  engine: Engine;
  /** where the engine is, for messages (DOCKER_HOST or the default socket) */
  host: string;
  runtime: 'runc' | 'runsc';
  /** the image's tag (skyscale/runtime:<recipe hash>) */
  image: string;
  kitDir: string;
  dataDir: string;
  log: Logger;
  engineVersion: string;
}

/** The label every container of one node carries: its data directory, hashed. */
export function nodeLabel(dataDir: string): string {
  return createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
}

export class DockerDriver implements SandboxDriver {
  readonly name: 'docker' | 'docker-runsc';
  readonly capabilities: DriverCapabilities;
  readonly node: string;
  private readonly live = new Map<string, DockerSandbox>();

  constructor(private readonly o: DockerDriverOptions) {
    this.name = o.runtime === 'runsc' ? 'docker-runsc' : 'docker';
    // Not under runsc: the engine's pause (`runsc pause`) stops the function's tasks but
    // leaves gVisor's sentry using 2-3% of a core, and a sandbox that dies while paused
    // cannot be resumed or removed by the engine (a zombie, its containerd task kept).
    this.capabilities = { isolated: true, memoryLimit: true, networkOff: true, outboundNetwork: false, freeze: o.runtime === 'runc' ? 'docker-pause' : null };
    this.node = nodeLabel(o.dataDir);
  }

  async start(spec: SandboxSpec): Promise<Sandbox> {
    if (spec.network === 'outbound') {
      throw new SkyscaleError('SandboxStartFailed', `the ${this.name} sandbox driver has no outbound network: containers get loopback only`, {
        hint: 'deploy the function with "network": "none", or run the server with SKYSCALE_SANDBOX=gvisor (or namespace) for outbound network',
      });
    }
    const e = this.o.engine;
    const name = `skyscale-${spec.id}`;
    const id = await e.createContainer(name, containerSpec({
      image: this.o.image, kitDir: this.o.kitDir, memoryMb: spec.memoryMb, runtime: this.o.runtime, node: this.node, dataDir: this.o.dataDir,
      hostCpus: cpus().length, ...(spec.prestart ? { prestart: spec.prestart } : {}),
    })).catch((err: Error) => {
      throw new SkyscaleError('SandboxStartFailed', `the Docker engine refused to create the sandbox's container: ${err.message}`, { cause: err });
    });
    let sandbox: DockerSandbox | undefined;
    try {
      const socket = await e.attach(id);
      sandbox = new DockerSandbox(spec.id, id, e, socket, this.o.log, this.capabilities.freeze !== null);
      this.live.set(id, sandbox);
      void sandbox.exited.then(() => this.live.delete(id));
      await e.start(id);
      sandbox.watch();
      await sandbox.ready(READY_TIMEOUT_MS);
      return sandbox;
    } catch (err) {
      if (sandbox) await sandbox.stop();
      else await e.remove(id).catch(() => undefined);
      if (err instanceof SkyscaleError) throw err;
      throw new SkyscaleError('SandboxStartFailed', `the ${this.name} sandbox did not start: ${(err as Error).message}`, { cause: err });
    }
  }

  describe(): Record<string, unknown> {
    return { driver: this.name, isolated: true, engine: this.o.host, engineVersion: this.o.engineVersion, runtime: this.o.runtime, image: this.o.image, network: { outbound: false, problem: `the ${this.name} driver gives sandboxes loopback only` }, freeze: this.capabilities.freeze };
  }

  async images(): Promise<SandboxImage[]> {
    const info = await this.o.engine.info();
    const runtimes = ['runc', 'runsc'].filter((r) => info.Runtimes?.[r] !== undefined || (r === 'runc' && info.DefaultRuntime === 'runc'));
    return listRuntimeImages(this.o.engine, runtimes);
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.live.values()].map((s) => s.stop()));
    await this.removeLeftovers();
  }

  /** Removes the containers of this node an earlier, crashed run left (never another node's, never one that is not Skyscale's). */
  async removeLeftovers(): Promise<number> {
    const listed = await this.o.engine.listContainers({ [LABEL_SANDBOX]: 'true', [LABEL_NODE]: this.node });
    const stale = leftoverContainers(listed, this.node, new Set(this.live.keys()));
    await Promise.all(stale.map(async (c) => {
      if (c.State === 'paused') await this.o.engine.unpause(c.Id).catch(() => undefined);
      await this.o.engine.remove(c.Id).then(
        () => this.o.log.info({ container: c.Id, name: c.Names[0], state: c.State }, 'removed a sandbox container an earlier run left'),
        (err: Error) => this.o.log.warn({ container: c.Id, err: err.message }, 'removing a leftover sandbox container failed'));
    }));
    return stale.length;
  }
}

class DockerSandbox implements Sandbox {
  readonly channel: AgentChannel;
  readonly exited: Promise<SandboxExit>;
  pid: number | undefined;
  private stderrTail = '';
  private readonly freezer: PauseFreezer;
  private stopping: Promise<void> | null = null;
  private resolveExit!: (e: SandboxExit) => void;
  private gone = false;

  constructor(readonly id: string, readonly containerId: string, private readonly engine: Engine, private readonly socket: import('node:net').Socket, private readonly log: Logger,
    private readonly canFreeze: boolean) {
    const demux = new AttachDemux();
    socket.pipe(demux);
    socket.on('error', () => undefined); // the channel hears of it through the stream's end
    this.channel = new AgentChannel(demux.stdout, socket);
    demux.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
      log.debug({ sandbox: id, stderr: chunk.toString('utf8').trimEnd() }, 'sandbox stderr');
    });
    this.exited = new Promise((resolve) => { this.resolveExit = resolve; });
    this.freezer = new PauseFreezer(engine, containerId);
  }

  /** After start: the container's exit, as the engine reports it. */
  watch(): void {
    void (async () => {
      let code: number | null = null;
      let signal: string | null = null;
      try {
        code = await this.engine.wait(this.containerId);
        if ((await this.engine.inspect(this.containerId).catch(() => null))?.State.OOMKilled) {
          signal = 'SIGKILL';
          this.stderrTail += '\nkilled: the sandbox ran out of memory';
        } else if (code !== null && code > 128) {
          signal = signalName(code - 128);
        }
      } catch (err) {
        this.stderrTail += `\nwaiting for the container failed: ${(err as Error).message}`;
      }
      this.gone = true;
      this.channel.close(`the sandbox exited (code ${code}, signal ${signal})`);
      this.socket.destroy();
      // a paused container cannot exit; one that did is not paused
      this.freezer.forget();
      this.resolveExit({ code, signal, stderrTail: this.stderrTail });
    })();
  }

  async ready(timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => this.channel.close(`the agent did not report ready within ${timeoutMs} ms`), timeoutMs);
    try {
      await this.channel.ready;
    } catch (err) {
      if (err instanceof SkyscaleError) throw err;
      const exit = await Promise.race([this.exited, new Promise<null>((r) => setTimeout(() => r(null), 2000).unref())]);
      const tail = (exit?.stderrTail ?? this.stderrTail).trim().split('\n').slice(-3).join(' | ');
      throw new Error(`${(err as Error).message}${tail ? `: ${tail}` : ''}`);
    } finally {
      clearTimeout(timer);
    }
    this.pid = (await this.engine.inspect(this.containerId).catch(() => null))?.State.Pid || undefined;
  }

  get frozen(): boolean {
    return this.freezer.frozen;
  }

  freeze(): Promise<boolean> {
    if (!this.canFreeze || this.stopping || this.gone || this.channel.isClosed) return Promise.resolve(false);
    return this.freezer.freeze();
  }

  thaw(): Promise<void> {
    return this.freezer.thaw();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.thaw().catch((err: Error) => this.log.warn({ sandbox: this.id, err: err.message }, 'unpausing a sandbox to stop it failed'));
      try {
        this.channel.shutdown();
      } catch {
        // the stream may already be gone; the removal below is what counts
      }
      await this.engine.remove(this.containerId).catch((err: Error) => this.log.warn({ sandbox: this.id, err: err.message }, 'removing a sandbox container failed'));
      if (!this.gone) {
        // never started (watch() not called): nothing will report the exit but us
        const started = await Promise.race([this.exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 10_000).unref())]);
        if (!started) {
          this.gone = true;
          this.channel.close('the sandbox was removed');
          this.socket.destroy();
          this.resolveExit({ code: null, signal: 'SIGKILL', stderrTail: this.stderrTail });
        }
      }
    })();
    return this.stopping;
  }
}

/** Freezing through the engine's pause/unpause, one at a time and in the order asked for. */
export class PauseFreezer extends OrderedFreezer {
  constructor(private readonly engine: Pick<Engine, 'pause' | 'unpause'>, private readonly id: string) {
    super();
  }

  protected stop(): Promise<boolean> {
    return this.engine.pause(this.id).then(() => true, () => false);
  }

  protected resume(): Promise<void> {
    return this.engine.unpause(this.id);
  }

  /** The container is gone: nothing is paused any more. */
  forget(): void {
    this.wanted = false;
    this.applied = false;
  }
}

function signalName(n: number): string {
  const names: Record<number, string> = { 9: 'SIGKILL', 15: 'SIGTERM', 6: 'SIGABRT', 11: 'SIGSEGV', 2: 'SIGINT', 1: 'SIGHUP' };
  return names[n] ?? `signal ${n}`;
}
