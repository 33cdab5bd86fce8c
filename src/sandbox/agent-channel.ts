// The host's side of the agent protocol over one byte stream: waits for `ready` and
// checks the agent's protocol version, sends `init` / `invoke`, and matches the agent's
// answers to them. One request at a time, as the agent serves one invocation at a time.
// When the stream ends every pending request fails with ChannelClosedError, so a dead
// sandbox never leaves a caller waiting. The messages' shapes are
// contracts/agent-protocol.schema.json's; the tests check them against it.
import type { Readable, Writable } from 'node:stream';
import { SkyscaleError } from '../errors.js';
import { encodeFrame, FrameDecoder, type Frame, type FrameHeader } from './protocol.js';

/**
 * The protocol version this host speaks (contracts/agent-protocol.md, "Versions and
 * breaking changes"). An agent announcing another one is refused.
 */
export const AGENT_PROTOCOL = 1;

/** What the agent says in `ready`. */
export interface AgentReady {
  protocol: number;
  agentVersion: string;
  pid: number;
  /** the runtime already started and waiting for its function (`--prestart`), if any */
  prestarted?: string;
}

export interface InitRequest {
  runtime: string;
  handler: string;
  codeSha256: string;
  functionName: string;
  functionVersion: string;
  memoryMb: number;
  timeoutMs: number;
  env: Record<string, string>;
  invokedFunctionArn: string;
  logGroupName: string;
  logStreamName: string;
  logLimitBytes: number;
}

export interface RuntimeError {
  errorType: string;
  errorMessage: string;
  stackTrace?: unknown;
  /** the Node.js runtime's stack (Lambda's Node.js error shape) */
  trace?: unknown;
}

export interface InitResult {
  ok: boolean;
  initMs: number;
  log: string;
  error?: RuntimeError;
}

export interface InvokeRequest {
  requestId: string;
  deadlineMs: number;
  timeoutMs: number;
  invokedFunctionArn: string;
  clientContext?: string | null;
  /** ask for `log` frames while the invocation runs (give invoke() an onLog) */
  logStream?: boolean;
}

/** Output a streamed invocation wrote, from `offset` bytes of its log on; `dropped`: bytes the log cap cut so far. */
export interface LogChunk {
  offset: number;
  dropped: number;
  bytes: Buffer;
}

export type InvokeStatus = 'ok' | 'error' | 'timeout' | 'crash';

export interface InvokeResult {
  status: InvokeStatus;
  payload: Buffer;
  durationMs: number;
  maxRssKb: number | null;
  /** CPU time (user + system, ms) the runtime used for this invocation, where it reports it */
  cpuMs: number | null;
  log: string;
  logTruncated: boolean;
}

export class ChannelClosedError extends Error {
  override name = 'ChannelClosedError';
}

export class AgentTimeoutError extends Error {
  override name = 'AgentTimeoutError';
}

interface Pending {
  expect: string;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout | null;
  /** a streamed invocation's request id and where its `log` frames go */
  onLog?: { requestId: string; deliver: (chunk: LogChunk) => void };
}

export class AgentChannel {
  /** Resolves with the agent's `ready`; rejects if the channel closes first or the agent speaks another protocol. */
  readonly ready: Promise<AgentReady>;
  /** Resolves (never rejects) with why the channel closed. */
  readonly closed: Promise<string>;
  private readonly decoder = new FrameDecoder();
  private pending: Pending | null = null;
  private closeReason: string | null = null;
  private announced: AgentReady | null = null;
  private markReady!: (r: AgentReady) => void;
  private failReady!: (e: Error) => void;
  private markClosed!: (reason: string) => void;
  private readonly exitListeners: ((h: FrameHeader) => void)[] = [];

  constructor(input: Readable, private readonly output: Writable) {
    this.ready = new Promise((resolve, reject) => { this.markReady = resolve; this.failReady = reject; });
    this.ready.catch(() => {});
    this.closed = new Promise((resolve) => { this.markClosed = resolve; });
    input.on('data', (chunk: Buffer) => this.onData(chunk));
    input.on('end', () => this.close('the agent closed its output'));
    input.on('error', (e) => this.close(`reading from the agent failed: ${e.message}`));
    output.on('error', (e) => this.close(`writing to the agent failed: ${e.message}`));
  }

  get isClosed(): boolean {
    return this.closeReason !== null;
  }

  /**
   * Which runtime the agent has prestarted (known once `ready` resolved): a pooled
   * sandbox whose interpreter is already up and waiting, or undefined for one whose
   * runtime starts at `init`.
   */
  get prestarted(): string | undefined {
    return this.announced?.prestarted;
  }

  /** Called when the runtime exits while no invocation runs (the instance is then unusable). */
  onRuntimeExit(listener: (h: FrameHeader) => void): void {
    this.exitListeners.push(listener);
  }

  async init(req: InitRequest, code: Buffer, timeoutMs: number): Promise<InitResult> {
    const f = await this.request({ type: 'init', ...req }, code, 'init_result', timeoutMs);
    const h = f.header as FrameHeader & Partial<InitResult>;
    return { ok: h.ok === true, initMs: Number(h.initMs ?? 0), log: String(h.log ?? ''), ...(h.error ? { error: h.error } : {}) };
  }

  /** `onLog` receives the invocation's output while it runs, when `req.logStream` asked for it. */
  async invoke(req: InvokeRequest, event: Buffer, timeoutMs: number, onLog?: (chunk: LogChunk) => void): Promise<InvokeResult> {
    const header: FrameHeader = { type: 'invoke', ...req };
    if (!req.logStream || !onLog) delete header.logStream;
    const f = await this.request(header, event, 'result', timeoutMs, onLog && req.logStream ? { requestId: req.requestId, deliver: onLog } : undefined);
    const h = f.header as FrameHeader & { status?: string; durationMs?: number; maxRssKb?: number; cpuMs?: number; log?: string; logTruncated?: boolean };
    const status = (['ok', 'error', 'timeout', 'crash'] as const).find((s) => s === h.status);
    if (!status) throw new ChannelClosedError(`the agent answered with an unknown status ${JSON.stringify(h.status)}`);
    return {
      status, payload: f.body, durationMs: Number(h.durationMs ?? 0), maxRssKb: typeof h.maxRssKb === 'number' ? h.maxRssKb : null,
      cpuMs: typeof h.cpuMs === 'number' ? h.cpuMs : null,
      log: String(h.log ?? ''), logTruncated: h.logTruncated === true,
    };
  }

  async ping(timeoutMs: number): Promise<void> {
    await this.request({ type: 'ping' }, undefined, 'pong', timeoutMs);
  }

  shutdown(): void {
    if (this.isClosed) return;
    this.output.write(encodeFrame({ type: 'shutdown' }));
  }

  close(reason: string): void {
    if (this.closeReason !== null) return;
    this.closeReason = reason;
    this.failReady(new ChannelClosedError(reason));
    this.settle(null, new ChannelClosedError(reason));
    this.markClosed(reason);
  }

  private request(header: FrameHeader, body: Buffer | undefined, expect: string, timeoutMs: number, onLog?: Pending['onLog']): Promise<Frame> {
    if (this.closeReason !== null) return Promise.reject(new ChannelClosedError(this.closeReason));
    if (this.pending) return Promise.reject(new Error(`agent channel is busy with ${this.pending.expect}`));
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(null, new AgentTimeoutError(`the agent did not answer ${header.type} within ${timeoutMs} ms`)), timeoutMs);
      this.pending = { expect, resolve, reject, timer, ...(onLog ? { onLog } : {}) };
      this.output.write(encodeFrame(header, body));
    });
  }

  private settle(frame: Frame | null, error: Error | null): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    if (p.timer) clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(frame!);
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.close(`the agent broke the protocol: ${(e as Error).message}`);
      return;
    }
    for (const f of frames) this.onFrame(f);
  }

  private onFrame(f: Frame): void {
    const type = f.header.type;
    if (type === 'ready') return this.onReady(f.header);
    if (type === 'runtime_exit') {
      for (const l of this.exitListeners) l(f.header);
      return;
    }
    if (type === 'log') {
      // only an invocation that asked for them gets any; a late one (its result came) is dropped
      const h = f.header as FrameHeader & { requestId?: unknown; offset?: unknown; dropped?: unknown };
      const to = this.pending?.onLog;
      if (to && h.requestId === to.requestId) {
        try {
          to.deliver({ offset: Number(h.offset ?? 0), dropped: Number(h.dropped ?? 0), bytes: f.body });
        } catch {
          // a listener's failure is not the invocation's
        }
      }
      return;
    }
    if (type === 'error') {
      const h = f.header as FrameHeader & { errorType?: string; errorMessage?: string };
      return this.settle(null, new Error(`agent refused the request: ${h.errorType}: ${h.errorMessage}`));
    }
    if (this.pending && type === this.pending.expect) return this.settle(f, null);
    this.close(`the agent sent an unexpected ${type} frame`);
  }

  private onReady(h: FrameHeader): void {
    if (h.protocol !== AGENT_PROTOCOL) {
      const agent = typeof h.protocol === 'number' ? `protocol ${h.protocol}` : 'no protocol version';
      const err = new SkyscaleError('AgentProtocolMismatch',
        `the sandbox's agent (version ${String(h.agentVersion ?? 'unknown')}) speaks ${agent}; this server speaks protocol ${AGENT_PROTOCOL}: rebuild the agent with scripts/setup.sh`,
        { hint: 'rebuild the agent with scripts/setup.sh (it builds build/agent/skyscale-agent from this checkout)', details: { agentProtocol: h.protocol ?? null, hostProtocol: AGENT_PROTOCOL } });
      this.failReady(err);
      this.close(err.message);
      return;
    }
    this.announced = {
      protocol: h.protocol, agentVersion: String(h.agentVersion ?? ''), pid: Number(h.pid ?? 0),
      ...(typeof h.prestarted === 'string' && /^(python|node\d+)$/.test(h.prestarted) ? { prestarted: h.prestarted } : {}),
    };
    this.markReady(this.announced);
  }
}
