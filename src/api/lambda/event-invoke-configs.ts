// Lambda API 2019-09-25: event invoke configs (Put, Update, Get, Delete,
// ListFunctionEventInvokeConfigs), the retry and age settings of a function's (or a
// version's or alias's) asynchronous invocations, and their DestinationConfig: a function
// ARN (or name) or, as a Skyscale extension, an http(s):// webhook URL, checked when set
// (a function that does not exist is InvalidParameterValueException) and stored as sent.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ASYNC_LIMITS, type EventInvokeConfig } from '../../model/async-invocation.js';
import { functionArn } from '../../model/names.js';
import type { LambdaServices } from '../deps.js';
import { needs } from '../gate.js';
import { parseFunctionName } from './function-name.js';

const FUNCTION_NAME = {
  type: 'string', minLength: 1, maxLength: 170,
  pattern: '^(arn:(aws[a-zA-Z-]*)?:lambda:[a-z0-9-]+:[0-9]{12}:function:|[0-9]{12}:function:)?[a-zA-Z0-9_-]+(:(\\$LATEST|[a-zA-Z0-9_-]+))?$',
} as const;
const fn = { type: 'object', required: ['FunctionName'], properties: { FunctionName: FUNCTION_NAME } } as const;
const qualified = { type: 'object', properties: { Qualifier: { type: 'string', minLength: 1, maxLength: 128, pattern: '^(|[a-zA-Z0-9$_-]+)$' } } } as const;
const DESTINATION = { type: 'object', properties: { Destination: { type: 'string', minLength: 0, maxLength: 350 } } } as const;
const body = {
  type: 'object',
  properties: {
    MaximumRetryAttempts: { type: 'integer', minimum: ASYNC_LIMITS.maxRetryAttempts.min, maximum: ASYNC_LIMITS.maxRetryAttempts.max },
    MaximumEventAgeInSeconds: { type: 'integer', minimum: ASYNC_LIMITS.maxEventAgeSeconds.min, maximum: ASYNC_LIMITS.maxEventAgeSeconds.max },
    DestinationConfig: { type: 'object', properties: { OnSuccess: DESTINATION, OnFailure: DESTINATION } },
  },
} as const;
const one = { params: fn, querystring: qualified } as const;
const write = { params: fn, querystring: qualified, body } as const;
const list = { params: fn, querystring: { type: 'object', properties: { Marker: { type: 'string' }, MaxItems: { type: 'integer', minimum: 1, maximum: 50 } } } } as const;

type Target = { Params: { FunctionName: string }; Querystring: { Qualifier?: string } };
type ConfigBody = { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number; DestinationConfig?: Record<string, unknown> };

/** Lambda's FunctionEventInvokeConfig (LastModified in epoch seconds, as restJson1 sends timestamps). */
export function functionEventInvokeConfig(c: EventInvokeConfig): Record<string, unknown> {
  return {
    LastModified: Date.parse(c.lastModified) / 1000,
    FunctionArn: functionArn(c.functionName, c.qualifier || undefined),
    MaximumRetryAttempts: c.maxRetryAttempts,
    MaximumEventAgeInSeconds: c.maxEventAgeSeconds,
    ...(c.destinations ? { DestinationConfig: c.destinations } : {}),
  };
}

export function lambdaEventInvokeConfigRoutes(app: FastifyInstance, { asyncInvocations }: Pick<LambdaServices, 'asyncInvocations'>): void {
  const configs = asyncInvocations.configs;
  const target = (req: FastifyRequest<Target>) => parseFunctionName(req.params.FunctionName, req.query.Qualifier);
  const change = (b: ConfigBody) => ({
    ...(b.MaximumRetryAttempts !== undefined ? { maxRetryAttempts: b.MaximumRetryAttempts } : {}),
    ...(b.MaximumEventAgeInSeconds !== undefined ? { maxEventAgeSeconds: b.MaximumEventAgeInSeconds } : {}),
    ...(b.DestinationConfig !== undefined ? { destinations: b.DestinationConfig } : {}),
  });
  const path = '/functions/:FunctionName/event-invoke-config';

  app.put<Target & { Body: ConfigBody }>(path, { config: needs('functions:write', 'path', 'event-invoke-config.put'), schema: write }, async (req) => {
    const { name, qualifier } = target(req);
    return functionEventInvokeConfig(configs.put(name, qualifier, change(req.body), true));
  });
  app.post<Target & { Body: ConfigBody }>(path, { config: needs('functions:write', 'path', 'event-invoke-config.update'), schema: write }, async (req) => {
    const { name, qualifier } = target(req);
    configs.get(name, qualifier); // Update needs an existing config
    return functionEventInvokeConfig(configs.put(name, qualifier, change(req.body), false));
  });
  app.get<Target>(path, { config: needs('functions:read', 'path'), schema: one }, async (req) => {
    const { name, qualifier } = target(req);
    return functionEventInvokeConfig(configs.get(name, qualifier));
  });
  app.delete<Target>(path, { config: needs('functions:write', 'path', 'event-invoke-config.delete'), schema: one }, async (req, reply) => {
    const { name, qualifier } = target(req);
    configs.delete(name, qualifier);
    return reply.status(204).send();
  });
  app.get<{ Params: { FunctionName: string }; Querystring: { Marker?: string; MaxItems?: number } }>(`${path}/list`, { config: needs('functions:read', 'path'), schema: list }, async (req) => {
    const all = configs.list(parseFunctionName(req.params.FunctionName).name);
    // the marker is where the next page starts (the configs are few, in qualifier order)
    const start = /^[0-9]{1,6}$/.test(req.query.Marker ?? '') ? Number(req.query.Marker) : 0;
    const end = start + (req.query.MaxItems ?? 50);
    return { FunctionEventInvokeConfigs: all.slice(start, end).map(functionEventInvokeConfig), ...(end < all.length ? { NextMarker: String(end) } : {}) };
  });
}
