// Where an asynchronous invocation's outcome is sent (Lambda's destinations), and the
// record sent there. A destination is another function (a name, or a Lambda function
// ARN, optionally qualified), which receives the record as an asynchronous invocation,
// or an HTTP(S) webhook URL, which receives it as a POST of JSON (a Skyscale
// extension: AWS has no webhook destination). The record is shaped like Lambda's
// destination record, field for field.
import { functionArn } from './names.js';

export type Destination =
  | { kind: 'function'; name: string; qualifier: string | null }
  | { kind: 'webhook'; url: string };

/** Why the record is sent: Lambda's requestContext.condition. */
export type DestinationCondition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

const FUNCTION = /^(?:arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?([a-zA-Z0-9_-]{1,64})(?::(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$/;

/** A destination as written (function name or ARN, or http(s) URL), or the problem with it. */
export function parseDestination(text: unknown): Destination | string {
  if (typeof text !== 'string' || !text.trim()) return `a destination must be a function name, a function ARN or an http(s):// URL (got ${JSON.stringify(text)})`;
  const t = text.trim();
  if (/^https?:\/\//i.test(t)) {
    let url: URL;
    try {
      url = new URL(t);
    } catch {
      return `destination ${JSON.stringify(t)} is not a valid URL`;
    }
    if (url.username || url.password) return `destination ${JSON.stringify(t)}: a webhook URL must not carry credentials`;
    return { kind: 'webhook', url: url.toString() };
  }
  if (t.startsWith('arn:') && !/:lambda:/.test(t)) return `destination ${JSON.stringify(t)}: only function ARNs and http(s):// URLs are destinations on Skyscale (no SQS, SNS, EventBridge or S3)`;
  const m = FUNCTION.exec(t);
  if (!m) return `destination ${JSON.stringify(t)} is not a function name, a function ARN or an http(s):// URL`;
  return { kind: 'function', name: m[1]!, qualifier: m[2] && m[2] !== '$LATEST' ? m[2] : null };
}

/** The on-success and on-failure destinations of a stored DestinationConfig (Lambda's shape: OnSuccess.Destination, OnFailure.Destination). */
export function destinationTargets(config: Record<string, unknown> | null | undefined): { onSuccess: string | null; onFailure: string | null } {
  const pick = (k: string) => {
    const d = (config?.[k] as { Destination?: unknown } | undefined)?.Destination;
    return typeof d === 'string' && d.trim() ? d.trim() : null;
  };
  return { onSuccess: pick('OnSuccess'), onFailure: pick('OnFailure') };
}

/** skyscale.json's "async": {"onSuccess", "onFailure"} as a DestinationConfig ("" or null clears one). */
export function destinationConfigOf(onSuccess: string | null | undefined, onFailure: string | null | undefined, base: Record<string, unknown> | null): Record<string, unknown> | null {
  const current = destinationTargets(base);
  const s = onSuccess === undefined ? current.onSuccess : onSuccess || null;
  const f = onFailure === undefined ? current.onFailure : onFailure || null;
  if (!s && !f) return null;
  return { ...(s ? { OnSuccess: { Destination: s } } : {}), ...(f ? { OnFailure: { Destination: f } } : {}) };
}

export interface DestinationRecordInput {
  requestId: string;
  functionName: string;
  qualifier: string | null;
  condition: DestinationCondition;
  /** attempts made (Lambda's approximateInvokeCount) */
  invokeCount: number;
  payload: Buffer;
  /** the last attempt's result; null when the event never ran */
  response: { executedVersion: string; functionError: string | null; payload: Buffer } | null;
  timestamp: string;
}

/** Lambda's destination record for an asynchronous invocation. */
export function destinationRecord(i: DestinationRecordInput): Record<string, unknown> {
  return {
    version: '1.0',
    timestamp: i.timestamp,
    requestContext: {
      requestId: i.requestId,
      functionArn: functionArn(i.functionName, i.qualifier ?? '$LATEST'),
      condition: i.condition,
      approximateInvokeCount: i.invokeCount,
    },
    requestPayload: asJson(i.payload),
    responseContext: {
      statusCode: i.response ? 200 : 0,
      executedVersion: i.response?.executedVersion ?? '$LATEST',
      ...(i.response?.functionError ? { functionError: i.response.functionError } : {}),
    },
    responsePayload: i.response ? asJson(i.response.payload) : null,
  };
}

function asJson(b: Buffer): unknown {
  if (!b.length) return null;
  const text = b.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** How many times a webhook delivery is tried before it is dead-lettered, and the default days a dead letter is kept. */
export const DELIVERY_DEFAULTS = { webhookAttempts: 3, webhookTimeoutMs: 10_000, deadLetterRetentionDays: 14 } as const;

/**
 * What follows a finished event, written in the transaction that records its end: a
 * delivery of its record to a destination, or a dead letter when there is none.
 */
export interface FollowUp {
  kind: 'delivery' | 'dead-letter';
  condition: DestinationCondition;
  /** the destination as configured (deliveries) */
  destination: string | null;
  /** the destination record, JSON */
  record: string;
  /** why the event is dead-lettered */
  reason: string | null;
}

export type DeliveryState = 'pending' | 'sending' | 'delivered' | 'dead';

/** A record on its way to a destination. */
export interface Delivery {
  id: string;
  eventId: string;
  functionName: string;
  qualifier: string | null;
  condition: DestinationCondition;
  destination: string;
  record: string;
  /** the event's payload (kept for a dead letter, which redrive sends again) */
  payload: Buffer;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
}

/** A failed event (no on-failure destination) or a delivery that could not be made. */
export interface DeadLetter {
  id: string;
  functionName: string;
  qualifier: string | null;
  /** the request id of the event it came from */
  eventId: string;
  condition: DestinationCondition;
  reason: string;
  /** the destination a failed delivery was for; null: the event had none */
  destination: string | null;
  payload: Buffer;
  record: string;
  createdAt: string;
}
