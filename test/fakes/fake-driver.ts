// A sandbox driver for fast tests of the pools and the API: each "sandbox" is an
// in-memory agent that speaks the real framing and answers `ready`, `init` and
// `invoke` at once. By default an invocation answers its own event (an echo); a test
// that needs a function error, a log line or a chosen result sets `handler`. A frozen
// fake sandbox answers nothing until it is thawed, as a frozen one would. The real
// drivers have integration tests.
import { PassThrough } from 'node:stream';
import { AgentChannel } from '../../src/sandbox/agent-channel.js';
import type { DriverCapabilities, Sandbox, SandboxDriver, SandboxEgress, SandboxExit, SandboxSpec } from '../../src/sandbox/driver.js';
import { encodeFrame, FrameDecoder, type Frame } from '../../src/sandbox/protocol.js';

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
  /** the runtime's figures the agent reports (default: 0.1 ms long, 2 ms of CPU, 20 MB peak) */
  durationMs?: number;
  cpuMs?: number;
  maxRssKb?: number;
}

export type FakeHandler = (call: FakeInvocation) => FakeAnswer;

export class FakeSandbox implements Sandbox {
  readonly channel: AgentChannel;
  readonly exited: Promise<SandboxExit>;
  readonly pid = undefined;
  stopped = false;
  /** the next invoke kills the sandbox instead of answering (a crash, an OOM kill) */
  dieOnNextInvoke = false;
  frozen = false;
  /** what happened to it, in order */
  readonly events: ('freeze' | 'thaw' | 'stop')[] = [];
  /** a thaw takes this long */
  thawMs = 0;
  /** when the last thaw completed */
  thawedAt = 0;
  /** false: freeze() fails, as for a sandbox whose cgroup cannot be found */
  freezable = true;
  /** invoke headers as the agent received them */
  readonly invokes: { deadlineMs: number; timeoutMs: number; receivedAt: number }[] = [];
  /** invokes are answered after this long (a handler that runs past its timeout, say) */
  invokeMs = 0;
  /** the init requests this sandbox was sent (their headers: settings, env …) */
  readonly inits: Record<string, unknown>[] = [];
  /** with network: outbound, the allow entries opened for it so far */
  readonly allowed: string[] = [];
  readonly egress?: SandboxEgress;
  private exit!: (e: SandboxExit) => void;
  private readonly toHost = new PassThrough();
  private held: Frame[] = [];
  private loaded = { functionName: '', functionVersion: '' };

  constructor(readonly id: string, readonly spec: SandboxSpec, initDelayMs = 0,
    private readonly handler: () => FakeHandler | null = () => null, private readonly initFails: () => boolean = () => false) {
    const toAgent = new PassThrough();
    if (spec.network === 'outbound') this.egress = { address: '10.211.0.2', allow: async (entries) => { this.allowed.push(...entries); }, restrict: async (entries) => { this.allowed.push(...entries); } };
    this.channel = new AgentChannel(this.toHost, toAgent);
    this.exited = new Promise((r) => { this.exit = r; });
    const decoder = new FrameDecoder();
    this.initDelayMs = initDelayMs;
    toAgent.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) {
        if (this.frozen) this.held.push(f);
        else this.serve(f);
      }
    });
    this.send({ type: 'ready', protocol: 1 });
  }

  private readonly initDelayMs: number;

  private serve(f: Frame): void {
    if (f.header.type === 'init') {
      this.inits.push(f.header);
      this.loaded = { functionName: String(f.header.functionName), functionVersion: String(f.header.functionVersion) };
      const result = this.initFails()
        ? { type: 'init_result', ok: false, initMs: 1, log: 'Traceback ...\n', error: { errorType: 'Runtime.ImportModuleError', errorMessage: 'No module named handler' } }
        : { type: 'init_result', ok: true, initMs: 1, log: '' };
      setTimeout(() => this.send(result), this.initDelayMs);
    }
    if (f.header.type === 'invoke' && this.dieOnNextInvoke) this.die();
    else if (f.header.type === 'invoke') {
      this.invokes.push({ deadlineMs: f.header.deadlineMs as number, timeoutMs: f.header.timeoutMs as number, receivedAt: Date.now() });
      // Like the agent, the fake answers `timeout` once the invocation's time is up.
      const timeoutMs = f.header.timeoutMs as number;
      const late = this.invokeMs > timeoutMs;
      const answer = () => late
        ? this.send({ type: 'result', requestId: f.header.requestId as string, status: 'timeout', durationMs: timeoutMs, log: '' }, Buffer.from('{"errorType":"Sandbox.Timedout","errorMessage":"Task timed out"}'))
        : this.answer(f);
      if (this.invokeMs) setTimeout(answer, late ? timeoutMs : this.invokeMs);
      else answer();
    }
  }

  private answer(f: Frame): void {
    const requestId = f.header.requestId as string;
    const answer = this.handler()?.({ ...this.loaded, requestId, event: f.body }) ?? {};
    const payload = answer.payload === undefined ? f.body : Buffer.from(answer.payload);
    this.send({ type: 'result', requestId, status: answer.status ?? 'ok', durationMs: answer.durationMs ?? 0.1,
      cpuMs: answer.cpuMs ?? 2, maxRssKb: answer.maxRssKb ?? 20480, log: answer.log ?? '' }, payload);
  }

  async freeze(): Promise<boolean> {
    if (this.stopped || this.channel.isClosed || !this.freezable) return false;
    if (!this.frozen) this.events.push('freeze');
    this.frozen = true;
    return true;
  }

  async thaw(): Promise<void> {
    if (!this.frozen) return;
    if (this.thawMs) await new Promise((r) => setTimeout(r, this.thawMs));
    this.frozen = false;
    this.thawedAt = Date.now();
    this.events.push('thaw');
    const held = this.held;
    this.held = [];
    for (const f of held) this.serve(f);
  }

  /** The sandbox dies on its own (crash, OOM kill). */
  die(): void {
    this.toHost.end();
    this.exit({ code: 1, signal: null, stderrTail: '' });
  }

  /** A real sandbox thaws itself before it dies; the fake only notes the order. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.events.push('stop');
    this.frozen = false;
    this.die();
  }

  private send(header: { type: string; [k: string]: unknown }, body?: Buffer): void {
    this.toHost.write(encodeFrame(header, body));
  }
}

export class FakeDriver implements SandboxDriver {
  readonly name = 'process' as const;
  /** a test may claim isolation and outbound network to see the network modes kept apart */
  capabilities: DriverCapabilities = { isolated: false, memoryLimit: false, networkOff: false, outboundNetwork: false, freeze: 'sigstop' };
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

export async function until(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
