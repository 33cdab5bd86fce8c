// What the platform remembers of every invocation.

/** where an invocation's sandbox came from: an idle warm instance, the pre-warmed pool, or a boot on its path */
export type InvocationStart = 'warm' | 'pool' | 'boot';

export type InvocationStatus = 'success' | 'error' | 'timeout' | 'crash' | 'failed';

export interface InvocationRecord {
  id: string;
  functionName: string;
  version: number;
  status: InvocationStatus;
  errorType: string | null;
  errorMessage: string | null;
  cold: boolean;
  /** where its sandbox came from; null when it never got one (failed before running) */
  start: InvocationStart | null;
  initMs: number | null;
  durationMs: number | null;
  billedMs: number | null;
  maxMemoryKb: number | null;
  /** CPU time (user + system) the function's runtime used for it, as the runtime reports it; null when unknown */
  cpuMs: number | null;
  requestBytes: number;
  responseBytes: number;
  logTruncated: boolean;
  startedAt: string;
  finishedAt: string;
}

export interface InvocationWithLog extends InvocationRecord {
  log: string;
}

/**
 * Where a stored record sits in a function's log, newest first: its start time, then
 * the order it was stored in (`seq`) among records that started at the same moment.
 * A page of logs continues after the position of its last record.
 */
export interface LogPosition {
  startedAt: string;
  seq: number;
}

export interface StoredInvocation {
  record: InvocationWithLog;
  position: LogPosition;
}
