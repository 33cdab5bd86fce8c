// A sandbox driver for fast tests of the pools and the API: each "sandbox" is an
// in-memory agent that speaks the real framing and answers `ready`, `init` and
// `invoke` at once. By default an invocation answers its own event (an echo); a test
// that needs a function error, a log line or a chosen result sets `handler`. The real
// drivers have integration tests.
import { PassThrough } from 'node:stream';
import { AgentChannel } from '../../src/sandbox/agent-channel.js';
import type { DriverCapabilities, Sandbox, SandboxDriver, SandboxEgress, SandboxExit, SandboxSpec } from '../../src/sandbox/driver.js';
import { encodeFrame, FrameDecoder } from '../../src/sandbox/protocol.js';

/** What a fake function sees of one invocation. */
export interface FakeInvocation {
  functionName: string;
  /** the version the instance was loaded with, as the agent gets it ("1", "2", …) */
  functionVersion: string;
  requestId: string;
  event: Buffer;
}

/** How a fake function answers: an agent status (ok by default), the payload and the log. */
export interface FakeAnswer {
  status?: 'ok' | 'error' | 'timeout' | 'crash';
  payload?: Buffer | string;
  log?: string;
}

export type FakeHandler = (call: FakeInvocation) => FakeAnswer;

export class FakeSandbox implements Sandbox {
  readonly channel: AgentChannel;
  readonly exited: Promise<SandboxExit>;
  readonly pid = undefined;
  stopped = false;
  /** the next invoke kills the sandbox instead of answering (a crash, an OOM kill) */
  dieOnNextInvoke = false;
  /** the init requests this sandbox was sent (their headers: settings, env …) */
  readonly inits: Record<string, unknown>[] = [];
  private exit!: (e: SandboxExit) => void;
  private readonly toHost = new PassThrough();
  /** with network: outbound, the allow entries opened for it so far */
  readonly allowed: string[] = [];
  readonly egress?: SandboxEgress;

  constructor(readonly id: string, readonly spec: SandboxSpec, initDelayMs = 0, handler: () => FakeHandler | null = () => null, initFails: () => boolean = () => false) {
    const toAgent = new PassThrough();
    if (spec.network === 'outbound') this.egress = { address: '10.211.0.2', allow: async (entries) => { this.allowed.push(...entries); } };
    this.channel = new AgentChannel(this.toHost, toAgent);
    this.exited = new Promise((r) => { this.exit = r; });
    const decoder = new FrameDecoder();
    let loaded = { functionName: '', functionVersion: '' };
    toAgent.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (f.header.type === 'init') {
          this.inits.push(f.header);
          loaded = { functionName: String(f.header.functionName), functionVersion: String(f.header.functionVersion) };
          const result = initFails()
            ? { type: 'init_result', ok: false, initMs: 1, log: 'Traceback ...\n', error: { errorType: 'Runtime.ImportModuleError', errorMessage: 'No module named handler' } }
            : { type: 'init_result', ok: true, initMs: 1, log: '' };
          setTimeout(() => this.send(result), initDelayMs);
        }
        if (f.header.type === 'invoke' && this.dieOnNextInvoke) {
          this.die();
        } else if (f.header.type === 'invoke') {
          const requestId = f.header.requestId as string;
          const answer = handler()?.({ ...loaded, requestId, event: f.body }) ?? {};
          const payload = answer.payload === undefined ? f.body : Buffer.from(answer.payload);
          this.send({ type: 'result', requestId, status: answer.status ?? 'ok', durationMs: 0.1, log: answer.log ?? '' }, payload);
        }
      }
    });
    this.send({ type: 'ready', protocol: 1 });
  }

  /** The sandbox dies on its own (crash, OOM kill). */
  die(): void {
    this.toHost.end();
    this.exit({ code: 1, signal: null, stderrTail: '' });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.die();
  }

  private send(header: { type: string; [k: string]: unknown }, body?: Buffer): void {
    this.toHost.write(encodeFrame(header, body));
  }
}

export class FakeDriver implements SandboxDriver {
  readonly name = 'process' as const;
  /** a test may claim isolation and outbound network to see the network modes kept apart */
  capabilities: DriverCapabilities = { isolated: false, memoryLimit: false, networkOff: false, outboundNetwork: false };
  readonly started: FakeSandbox[] = [];
  failNext = 0;
  /** what a failing boot says */
  failMessage = 'boot failed';
  /** boots take this long, so overlapping boots can be observed */
  bootMs = 0;
  /** loading code takes this long */
  initMs = 0;
  booting = 0;
  peakBooting = 0;
  /** how invocations answer (null: they echo their event); read at each invocation */
  handler: FakeHandler | null = null;
  /** the next inits fail as a handler that cannot be imported would */
  failInits = 0;

  async start(spec: SandboxSpec): Promise<Sandbox> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error(this.failMessage);
    }
    this.booting++;
    this.peakBooting = Math.max(this.peakBooting, this.booting);
    try {
      if (this.bootMs) await new Promise((r) => setTimeout(r, this.bootMs));
      const s = new FakeSandbox(spec.id, spec, this.initMs, () => this.handler, () => this.failInits > 0 && this.failInits-- > 0);
      this.started.push(s);
      await s.channel.ready;
      return s;
    } finally {
      this.booting--;
    }
  }

  live(): FakeSandbox[] {
    return this.started.filter((s) => !s.stopped && !s.channel.isClosed);
  }

  describe(): Record<string, unknown> {
    return { driver: 'fake' };
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.started.map((s) => s.stop()));
  }
}
