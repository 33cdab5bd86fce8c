// The JSON schemas of the native API's routes: the shape of each request (its required
// fields and their JSON types), checked by Fastify before the route runs. The rules of
// the domain (supported runtimes, ranges, name patterns) stay with the model and the
// registry, which report every problem at once, as they do for skyscale.json.
// contracts/openapi.yaml describes the same requests; schemas.test.ts keeps the two
// in step.

import { LOG_PAGE_MAX_ENTRIES } from '../../model/limits.js';

const text = { type: 'string' } as const;
const whole = { type: 'integer' } as const;

const NAME = { type: 'object', required: ['name'], properties: { name: text } } as const;
const NAME_AND_ALIAS = { type: 'object', required: ['name', 'alias'], properties: { name: text, alias: text } } as const;

/** An env value: "text", or {"secret": "text"} for a secret (EnvValue in the contract). */
const ENV_VALUE = { anyOf: [text, { type: 'object', required: ['secret'], properties: { secret: text }, additionalProperties: false }] } as const;

/** The settings a function carries (FunctionSettings in the contract). */
const SETTINGS = {
  runtime: text, handler: text, memory: whole, timeout: whole, env: { type: 'object', additionalProperties: ENV_VALUE }, description: text,
  network: text, allow: { type: 'array', items: text },
} as const;

export interface SettingsBody {
  runtime?: string;
  handler?: string;
  memory?: number;
  timeout?: number;
  env?: Record<string, string | { secret: string }>;
  description?: string;
  network?: string;
  allow?: string[];
}

export const functionByName = { params: NAME } as const;

export const createFunction = { body: { type: 'object', required: ['name'], properties: { name: text, ...SETTINGS } } } as const;
export type CreateFunctionBody = SettingsBody & { name: string };

/** The retry and age settings of a function's asynchronous invocations (AsyncSettings in the contract). */
const DESTINATION = { type: 'string', maxLength: 350 } as const;
const ASYNC = { type: 'object', properties: { maxRetryAttempts: whole, maxEventAgeSeconds: whole, onSuccess: DESTINATION, onFailure: DESTINATION }, additionalProperties: false } as const;
export type AsyncSettingsBody = { maxRetryAttempts?: number; maxEventAgeSeconds?: number; onSuccess?: string; onFailure?: string };

export const putFunction = { params: NAME, body: { type: 'object', properties: { name: text, ...SETTINGS, minWarm: whole, async: ASYNC } } } as const;
export type PutFunctionBody = SettingsBody & { name?: string; minWarm?: number; async?: AsyncSettingsBody };

export const rollback = { params: NAME, body: { type: 'object', properties: { alias: text } } } as const;
export type RollbackBody = { alias?: string };

export const aliasByName = { params: NAME_AND_ALIAS } as const;

export const putAlias = { params: NAME_AND_ALIAS, body: { type: 'object', required: ['version'], properties: { version: whole, description: text } } } as const;
export type PutAliasBody = { version: number; description?: string };

export const invoke = { params: NAME, querystring: { type: 'object', properties: { version: text, async: { type: 'boolean' } } } } as const;

export const logs = {
  params: NAME,
  querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: LOG_PAGE_MAX_ENTRIES }, cursor: text, before: text } },
} as const;

export const logStream = { params: NAME } as const;

export const invocationById = { params: { type: 'object', required: ['id'], properties: { id: text } } } as const;

export const createKey = {
  body: {
    type: 'object', required: ['role'],
    properties: { role: text, name: text, description: text, functions: { type: 'array', items: text }, expiresAt: text, expiresIn: text },
  },
} as const;
export type CreateKeyBody = { role: string; name?: string; description?: string; functions?: string[]; expiresAt?: string; expiresIn?: string };

export const keyById = { params: { type: 'object', required: ['id'], properties: { id: text } } } as const;

export const auditLog = { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 } } } } as const;

const METRIC_RANGE = { type: 'object', properties: { from: text, to: text, step: text } } as const;
export const functionMetrics = { params: NAME, querystring: METRIC_RANGE } as const;
export const nodeMetrics = { querystring: METRIC_RANGE } as const;

const SCHEDULE = { type: 'object', required: ['name', 'schedule'], properties: { name: text, schedule: text } } as const;
export const createSchedule = {
  params: NAME,
  body: {
    type: 'object', required: ['expression'], additionalProperties: false,
    properties: { expression: text, name: text, timezone: text, payload: {} },
  },
} as const;
/** payload: the event each firing sends (any JSON value) */
export type CreateScheduleBody = { expression: string; name?: string; timezone?: string; payload?: unknown };
export const scheduleByName = { params: SCHEDULE } as const;
export const patchSchedule = {
  params: SCHEDULE,
  body: { type: 'object', required: ['state'], additionalProperties: false, properties: { state: { type: 'string', enum: ['enabled', 'paused'] } } },
} as const;
export const deadLetterList = { params: NAME, querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 } } } } as const;
export const deadLetterById = { params: { type: 'object', required: ['name', 'id'], properties: { name: text, id: text } } } as const;
export const deadLetterRedrive = {
  params: NAME, body: { type: 'object', properties: { ids: { type: 'array', items: text, maxItems: 1000 }, all: { type: 'boolean' } }, additionalProperties: false },
} as const;
export const deadLetterPurge = { params: NAME, querystring: { type: 'object', properties: { ids: text, all: { type: 'boolean' } } } } as const;
