// Runs one invocation: resolve the version, admit it, have placement find it an
// instance (warm or cold), invoke through the lease, turn the agent's answer into an
// InvocationOutcome, and queue the record. A timeout or a crash retires the instance
// (the lease decides); a dead sandbox fails only the invocation it was serving.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import type { VersionRecord } from '../model/function.js';
import type { InvocationStart, InvocationStatus, InvocationWithLog } from '../model/invocation.js';
import { LOG_LIMIT_BYTES, MAX_SYNC_PAYLOAD_BYTES } from '../model/limits.js';
import { withoutHostPaths } from '../model/host-paths.js';
import { functionArn } from '../model/names.js';
import type { Instance, Lease } from '../pool/instance.js';
import { AgentTimeoutError, ChannelClosedError, type InvokeResult } from '../sandbox/agent-channel.js';
import type { LiveLogTap } from '../observe/live-logs.js';
import type { Admission } from './admission.js';
import type { Placement } from './placement.js';

/** Resolves a name and qualifier to the version to run (the registry). */
export interface VersionResolver {
  resolve(functionName: string, qualifier?: string): VersionRecord;
}

/** Where invocation records go (the recorder: batched, off the invoke path). */
export interface InvocationLog {
  record(item: InvocationWithLog): void;
}

/**
 * Told of every invocation as it is recorded, and of every one refused for concurrency
 * (429): the metrics. Called on the invoke path, so it only adds to counters in memory.
 */
export interface InvocationObserver {
  invoked(record: InvocationWithLog): void;
  throttled(functionName: string): void;
}

const NO_OBSERVER: InvocationObserver = { invoked: () => {}, throttled: () => {} };

/** Live logs: a tap for an invocation whose function someone follows, else null (then nothing is streamed). */
export interface LiveLogTaps {
  open(functionName: string, requestId: string): LiveLogTap | null;
}

/** How long past the function's timeout the host waits before it gives up on the agent. */
const BACKSTOP_MS = 1000;
/**
 * The longest log a record keeps, in UTF-16 code units: the init log and the invocation
 * log, each cut at LOG_LIMIT_BYTES by the agent. The agent shares its sandbox with the
 * function, so the host does not rely on it alone.
 */
const RECORDED_LOG_MAX = 2 * LOG_LIMIT_BYTES;

export interface InvocationOutcome {
  requestId: string;
  functionName: string;
  version: number;
  status: InvocationStatus;
  /** set when the handler (or its runtime) failed: the Lambda X-Amz-Function-Error value */
  functionError: 'Unhandled' | null;
  errorType: string | null;
  errorMessage: string | null;
  payload: Buffer;
  /** where the sandbox came from: an idle warm instance (cold: false), the pre-warmed pool, or a fresh boot */
  start: InvocationStart;
  initMs: number | null;
  durationMs: number | null;
  /** CPU time the runtime reported for the invocation, null when unknown */
  cpuMs: number | null;
  log: string;
  logTruncated: boolean;
}

export class Invoker {
  constructor(
    private readonly registry: VersionResolver,
    private readonly placement: Placement,
    private readonly admission: Admission,
    private readonly recorder: InvocationLog,
    private readonly log: Logger,
    private readonly observer: InvocationObserver = NO_OBSERVER,
    private readonly live: LiveLogTaps | null = null,
  ) {}

  /**
   * Runs the event under `requestId` (what the function sees as its request id) and
   * records it under `recordId`: the same id, except for an asynchronous invocation's
   * attempts, each of which has a record of its own.
   */
  async invoke(functionName: string, qualifier: string | undefined, event: Buffer, requestId: string = randomUUID(), recordId: string = requestId): Promise<InvocationOutcome> {
    if (event.length > MAX_SYNC_PAYLOAD_BYTES) {
      throw new SkyscaleError('PayloadTooLarge', `the payload is ${event.length} bytes; the limit is ${MAX_SYNC_PAYLOAD_BYTES} bytes (6 MB)`);
    }
    const version = this.registry.resolve(functionName, qualifier);
    const startedAt = new Date();
    try {
      await this.admission.admit(version.functionName);
    } catch (err) {
      if (err instanceof SkyscaleError && err.type === 'TooManyRequests') this.observer.throttled(version.functionName);
      throw err;
    }
    let outcome: InvocationOutcome;
    let maxMemoryKb: number | null;
    const tap = this.live?.open(version.functionName, recordId) ?? null; // the id its record will have
    try {
      const { lease, start, init } = await this.placement.acquire(version);
      if (tap && init?.log) tap.text(init.log);
      try {
        outcome = init && !init.ok ? this.initFailure(requestId, version, init, start) : await this.run(lease, version, requestId, event, start, init, tap);
      } finally {
        lease.release();
      }
      maxMemoryKb = lease.instance.maxRssKb;
    } catch (err) {
      // Admitted but not run (no sandbox could be had, the agent refused): the caller
      // gets the error, and the record says what happened. No room in the node's memory
      // is a 429 too: a throttle as well as a failed invocation.
      if (err instanceof SkyscaleError && err.type === 'NodeMemoryFull') this.observer.throttled(version.functionName);
      this.recordFailure(recordId, version, event.length, startedAt, err);
      tap?.end('', { status: 'failed', durationMs: null, logTruncated: false });
      throw err;
    } finally {
      this.admission.release(version.functionName);
    }
    const cut = outcome.log.length > RECORDED_LOG_MAX;
    this.keep({
      id: recordId, functionName: version.functionName, version: version.version, status: outcome.status,
      errorType: outcome.errorType, errorMessage: outcome.errorMessage,
      cold: outcome.start !== 'warm', start: outcome.start, initMs: outcome.initMs, durationMs: outcome.durationMs,
      billedMs: outcome.durationMs === null ? null : Math.max(1, Math.ceil(outcome.durationMs)), maxMemoryKb, cpuMs: outcome.cpuMs,
      requestBytes: event.length, responseBytes: outcome.payload.length, logTruncated: outcome.logTruncated || cut,
      startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(),
      log: cut ? `${outcome.log.slice(0, RECORDED_LOG_MAX)}\n[skyscale] log truncated: ${outcome.log.length - RECORDED_LOG_MAX} characters dropped\n` : outcome.log,
    });
    tap?.end(outcome.log, { status: outcome.status, durationMs: outcome.durationMs, logTruncated: outcome.logTruncated || cut });
    return outcome;
  }

  private recordFailure(recordId: string, v: VersionRecord, requestBytes: number, startedAt: Date, err: unknown): void {
    const type = err instanceof SkyscaleError ? err.type : 'InternalError';
    this.keep({
      id: recordId, functionName: v.functionName, version: v.version, status: 'failed', errorType: type,
      errorMessage: withoutHostPaths((err as Error).message ?? String(err)).slice(0, 1024), cold: false, start: null, initMs: null, durationMs: null, billedMs: null,
      maxMemoryKb: null, cpuMs: null, requestBytes, responseBytes: 0, logTruncated: false, startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(), log: '',
    });
  }

  private keep(record: InvocationWithLog): void {
    this.recorder.record(record);
    this.observer.invoked(record);
  }

  private async run(lease: Lease, v: VersionRecord, requestId: string, event: Buffer, start: InvocationStart,
    init: { initMs: number; log: string } | null, tap: LiveLogTap | null): Promise<InvocationOutcome> {
    const timeoutMs = v.timeoutS * 1000;
    let result: InvokeResult;
    try {
      const req = { requestId, deadlineMs: Date.now() + timeoutMs, timeoutMs, invokedFunctionArn: functionArn(v.functionName), ...(tap ? { logStream: true } : {}) };
      result = await lease.invoke(req, event, timeoutMs + BACKSTOP_MS, tap ? (c) => tap.chunk(c) : undefined);
    } catch (err) {
      if (err instanceof AgentTimeoutError) result = timedOut(requestId, v.timeoutS);
      else if (err instanceof ChannelClosedError) result = await this.sandboxDied(lease.instance, requestId, err);
      else throw new SkyscaleError('InternalError', `the sandbox's agent refused the invocation: ${(err as Error).message}`, { cause: err });
    }
    const status: InvocationStatus = result.status === 'ok' ? 'success' : result.status;
    const error = result.status === 'ok' ? null : errorOf(result.payload);
    return {
      requestId, functionName: v.functionName, version: v.version, status,
      functionError: error ? 'Unhandled' : null, errorType: error?.type ?? null, errorMessage: error?.message ?? null,
      payload: result.payload, start, initMs: init?.initMs ?? null, durationMs: result.durationMs, cpuMs: result.cpuMs,
      log: (init?.log ?? '') + result.log, logTruncated: result.logTruncated,
    };
  }

  private async sandboxDied(instance: Instance, requestId: string, err: Error): Promise<InvokeResult> {
    const exit = await Promise.race([instance.sandbox.exited, new Promise<null>((r) => setTimeout(() => r(null), 2000).unref())]);
    const how = exit ? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`) : withoutHostPaths(err.message);
    this.log.warn({ instance: instance.id, requestId, how }, 'sandbox died during an invocation');
    const payload = { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: the sandbox stopped unexpectedly (${how}); it may have run out of memory` };
    return { status: 'crash', payload: Buffer.from(JSON.stringify(payload)), durationMs: 0, maxRssKb: null, cpuMs: null, log: '', logTruncated: false };
  }

  private initFailure(requestId: string, v: VersionRecord, init: { initMs: number; log: string; error?: { errorType: string; errorMessage: string; stackTrace?: unknown; trace?: unknown } },
    start: InvocationStart): InvocationOutcome {
    const error = init.error ?? { errorType: 'Runtime.Unknown', errorMessage: 'the function failed to initialise' };
    const payload = Buffer.from(JSON.stringify({ errorMessage: error.errorMessage, errorType: error.errorType, requestId, ...(error.trace !== undefined && error.stackTrace === undefined ? { trace: error.trace } : { stackTrace: error.stackTrace ?? [] }) }));
    return {
      requestId, functionName: v.functionName, version: v.version, status: 'error', functionError: 'Unhandled',
      errorType: error.errorType, errorMessage: error.errorMessage.slice(0, 1024), payload, start, initMs: init.initMs, durationMs: null, cpuMs: null,
      log: init.log, logTruncated: false,
    };
  }
}

function timedOut(requestId: string, timeoutS: number): InvokeResult {
  const payload = { errorType: 'Sandbox.Timedout', errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${timeoutS.toFixed(2)} seconds` };
  return { status: 'timeout', payload: Buffer.from(JSON.stringify(payload)), durationMs: timeoutS * 1000, maxRssKb: null, cpuMs: null, log: '', logTruncated: false };
}

/** The type and message of an error payload, parsed once (not JSON: an Unhandled error without a message). */
function errorOf(payload: Buffer): { type: string; message: string | null } {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch {
    v = null;
  }
  const e = typeof v === 'object' && v !== null ? (v as { errorType?: unknown; errorMessage?: unknown }) : {};
  return {
    type: typeof e.errorType === 'string' ? e.errorType : 'Unhandled',
    message: typeof e.errorMessage === 'string' ? e.errorMessage.slice(0, 1024) : null,
  };
}
