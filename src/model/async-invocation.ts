// What the platform keeps of an asynchronous (Event) invocation: the event as accepted,
// its state in the durable queue, every attempt to run it, and the per-function
// settings that bound its retries and its age (Lambda's event invoke config).

/**
 * queued: accepted, not tried yet; running: an attempt is under way (or was, when the
 * server stopped); retrying: an attempt failed or was throttled and another is due at
 * nextAttemptAt; succeeded, failed, expired: finished, never run again.
 */
export type AsyncState = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'expired';
export const FINISHED_STATES: readonly AsyncState[] = ['succeeded', 'failed', 'expired'];

export interface AsyncEvent {
  /** the request id the 202 named; each attempt runs under it, as Lambda's retries do */
  id: string;
  functionName: string;
  /** the version or alias asked for; null: $LATEST */
  qualifier: string | null;
  payload: Buffer;
  state: AsyncState;
  /** attempts started so far */
  attempts: number;
  /** attempts that ended in a function error, timeout, crash or system fault (they use up retries; throttles do not) */
  failures: number;
  acceptedAt: string;
  nextAttemptAt: string;
  finishedAt: string | null;
  /** why it failed or expired */
  reason: string | null;
}

/**
 * running: under way; success, error (a function error), timeout, crash: how the run
 * ended; throttled: no slot (retried later, uses up no retry); failed: it could not run
 * (no sandbox, a fault); expired: the event was past its maximum age when its turn came,
 * and did not run; interrupted: the server stopped during it (the event ran again after
 * the restart).
 */
export type AttemptOutcome = 'running' | 'success' | 'error' | 'timeout' | 'crash' | 'throttled' | 'failed' | 'expired' | 'interrupted';

export interface AsyncAttempt {
  attempt: number;
  startedAt: string;
  finishedAt: string | null;
  outcome: AttemptOutcome;
  errorType: string | null;
  durationMs: number | null;
  /** the id of this attempt's invocation record and log (GET /v1/invocations/{recordId}) */
  recordId: string;
}

/** An attempt's own invocation record id: the event's id and the attempt's number. */
export const attemptRecordId = (eventId: string, attempt: number): string => `${eventId}.${attempt}`;

export interface AsyncSettings {
  /** retries after a failed attempt, 0-2 (Lambda's MaximumRetryAttempts) */
  maxRetryAttempts: number;
  /** an event older than this is dropped unrun, 60-21600 (Lambda's MaximumEventAgeInSeconds) */
  maxEventAgeSeconds: number;
  /** where the record goes on success and on failure (a function name or ARN, or a webhook URL); none: a failure is dead-lettered */
  onSuccess?: string | null;
  onFailure?: string | null;
}

export const ASYNC_DEFAULTS: AsyncSettings = { maxRetryAttempts: 2, maxEventAgeSeconds: 21_600 };
export const ASYNC_LIMITS = { maxRetryAttempts: { min: 0, max: 2 }, maxEventAgeSeconds: { min: 60, max: 21_600 } } as const;

/** A function's (or one qualifier's) event invoke config, as stored. */
export interface EventInvokeConfig extends AsyncSettings {
  functionName: string;
  /** '' for the function itself (unqualified invocations and every qualifier without a config of its own) */
  qualifier: string;
  /** Lambda's DestinationConfig (OnSuccess.Destination, OnFailure.Destination), checked when set */
  destinations: Record<string, unknown> | null;
  lastModified: string;
}

/** The problems with the retry and age settings written (skyscale.json's "async" or the API's), none when they are usable. */
export function asyncSettingsProblems(raw: { maxRetryAttempts?: unknown; maxEventAgeSeconds?: unknown; onSuccess?: unknown; onFailure?: unknown }): string[] {
  const problems: string[] = [];
  for (const key of ['onSuccess', 'onFailure'] as const) {
    const v = raw[key];
    if (v !== undefined && v !== null && typeof v !== 'string') problems.push(`async.${key} must be a function name, a function ARN or an http(s):// URL (got ${JSON.stringify(v)})`);
  }
  for (const key of ['maxRetryAttempts', 'maxEventAgeSeconds'] as const) {
    const v = raw[key];
    const { min, max } = ASYNC_LIMITS[key];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min && (v as number) <= max)) {
      problems.push(`async.${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)})`);
    }
  }
  return problems;
}
