// The native API's wire shapes built from registry and invocation records (the
// Lambda API has its own in lambda/shapes.ts). contracts/openapi.yaml describes them.
// A secret env value is shown as {"secret": "********"}, never its value.
import type { BuiltDependencies } from '../../model/dependency-build.js';
import { SECRET_MASK } from '../../model/function-config.js';
import type { AliasRecord, FunctionRecord, FunctionSettings, VersionRecord } from '../../model/function.js';
import type { InvocationStatus, InvocationWithLog } from '../../model/invocation.js';
import type { AsyncAttempt, AsyncEvent, AsyncState } from '../../model/async-invocation.js';
import { runtimeNote } from '../../model/runtimes.js';

/** Env as read: plain values as they are, secret ones masked. */
export type EnvView = Record<string, string | { secret: typeof SECRET_MASK }>;

/** The settings a function and each of its versions carry, as the API shows them. */
export interface SettingsView {
  runtime: string;
  /** "python3.8 runs on Python 3.11 here" when another runtime stands in for the one named */
  runtimeNote?: string;
  handler: string;
  memory: number;
  timeout: number;
  env: EnvView;
  description: string;
  network: string;
  allow: string[];
}

export interface FunctionView extends SettingsView {
  name: string;
  latestVersion: number | null;
  reservedConcurrency: number | null;
  minWarm: number;
  createdAt: string;
  updatedAt: string;
}

export interface VersionView extends SettingsView {
  function: string;
  version: number;
  codeSha256: string;
  codeSize: number;
  createdAt: string;
  published: boolean;
}

export interface AliasView {
  function: string;
  name: string;
  version: number;
  description: string;
  createdAt: string;
  updatedAt: string;
}

/** One invocation in a function's log listing. */
export interface LogEntryView {
  id: string;
  version: number;
  status: InvocationStatus;
  startedAt: string;
  durationMs: number | null;
  cold: boolean;
  log: string;
}

export function functionView(fn: FunctionRecord): FunctionView {
  return {
    name: fn.name, ...settingsView(fn), latestVersion: fn.latestVersion, reservedConcurrency: fn.reservedConcurrency, minWarm: fn.minWarm,
    createdAt: fn.createdAt, updatedAt: fn.updatedAt,
  };
}

export function versionView(v: VersionRecord): VersionView {
  return {
    function: v.functionName, version: v.version, codeSha256: v.codeSha256, codeSize: v.codeSize, ...settingsView(v), createdAt: v.createdAt, published: v.published,
  };
}

function settingsView(s: FunctionSettings): SettingsView {
  const note = runtimeNote(s.runtime);
  return {
    runtime: s.runtime, ...(note === undefined ? {} : { runtimeNote: note }), handler: s.handler, memory: s.memoryMb, timeout: s.timeoutS, env: envView(s), description: s.description, network: s.network, allow: s.allow,
  };
}

export function envView(s: Pick<FunctionSettings, 'env' | 'secretEnv'>): EnvView {
  const out: EnvView = { ...s.env };
  for (const key of Object.keys(s.secretEnv)) out[key] = { secret: SECRET_MASK };
  return out;
}

export function aliasView(a: AliasRecord): AliasView {
  return { function: a.functionName, name: a.name, version: a.functionVersion, description: a.description, createdAt: a.createdAt, updatedAt: a.updatedAt };
}

export function logEntryView(r: InvocationWithLog): LogEntryView {
  return { id: r.id, version: r.version, status: r.status, startedAt: r.startedAt, durationMs: r.durationMs, cold: r.cold, log: r.log };
}

/** A deploy's dependency build: served from the cache or run now, and the installer's log. */
export function buildView(b: BuiltDependencies): { cached: boolean; key: string; log: string } {
  return { cached: b.cached, key: b.key, log: b.log };
}

/** An asynchronous invocation: where it is in the queue and each attempt to run it. */
export interface AsyncInvocationWire {
  id: string;
  function: string;
  qualifier: string | null;
  state: AsyncState;
  acceptedAt: string;
  /** when the next attempt is due (queued and retrying only) */
  nextAttemptAt: string | null;
  finishedAt: string | null;
  /** why it failed or expired */
  reason: string | null;
  payloadBytes: number;
  attempts: AsyncAttempt[];
  /** its record's deliveries to a destination */
  deliveries?: { id: string; condition: string; destination: string; state: string; attempts: number; lastError: string | null }[];
}

export function asyncView({ event: e, attempts, deliveries = [] }: {
  event: Omit<AsyncEvent, 'payload'> & { payloadBytes: number }; attempts: AsyncAttempt[];
  deliveries?: { id: string; condition: string; destination: string; state: string; attempts: number; lastError: string | null }[];
}): AsyncInvocationWire {
  return {
    id: e.id, function: e.functionName, qualifier: e.qualifier, state: e.state, acceptedAt: e.acceptedAt,
    nextAttemptAt: e.state === 'queued' || e.state === 'retrying' ? e.nextAttemptAt : null, finishedAt: e.finishedAt, reason: e.reason,
    payloadBytes: e.payloadBytes, attempts,
    deliveries: deliveries.map((d) => ({ id: d.id, condition: d.condition, destination: d.destination, state: d.state, attempts: d.attempts, lastError: d.lastError })),
  };
}
