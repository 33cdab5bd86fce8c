// The native API: /healthz and /v1/openapi.yaml without a key, and under /v1 the
// functions, versions, aliases, invocations, schedules, dead letters, logs, the pool, the runtimes, API keys and
// the audit log, each route taking `Authorization: Bearer <id>.<secret>` with the role and scope
// its config declares (checked by the gate before the body is read). Errors answer
// `{error: {type, message, hint?}}`.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { bearerAuthenticator } from '../../auth/request-auth.js';
import type { NativeServices } from '../deps.js';
import { sendNativeError } from '../error-reply.js';
import { installBodyScope, installGate } from '../gate.js';
import { acceptRawBodies, parseDeclaredInput } from '../request-body.js';
import { nativeSchemaError } from '../schema-errors.js';
import { aliasRoutes } from './aliases.js';
import { auditRoutes } from './audit.js';
import { deadLetterRoutes } from './dead-letters.js';
import { functionRoutes } from './functions.js';
import { invocationRoutes } from './invocations.js';
import { keyRoutes } from './keys.js';
import { logStreamRoutes } from './log-stream.js';
import { metricRoutes, scrapeRoute } from './metrics.js';
import { poolRoutes } from './pool.js';
import { publicRoutes } from './public.js';
import { runtimeRoutes } from './runtimes.js';
import { scheduleRoutes } from './schedules.js';

const nameInBody = (body: unknown): string | undefined => {
  const name = (body as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
};

/** An unknown route under /v1 or /healthz's neighbours: answered at once, whatever body it came with. */
export const nativeRouteNotFound = (req: FastifyRequest) =>
  new SkyscaleError('RouteNotFound', `no route ${req.method} ${req.url.split('?')[0]}`, { hint: 'the API is described at /v1/openapi.yaml' });

export function nativeApi(deps: NativeServices): FastifyPluginAsync {
  return async (app) => {
    app.setErrorHandler(sendNativeError);
    app.setSchemaErrorFormatter(nativeSchemaError);
    installGate(app, {
      authenticate: bearerAuthenticator(deps.keys), limits: deps.limits, audit: deps.audit,
      functionParam: 'name', functionInPath: (name) => name, functionInBody: nameInBody, notFound: nativeRouteNotFound,
    });
    await app.register(publicRoutes(deps));
    await app.register(scrapeRoute(deps));
    await app.register(async (v1) => {
      acceptRawBodies(v1);
      parseDeclaredInput(v1);
      installBodyScope(v1, nameInBody);
      await v1.register(functionRoutes(deps));
      await v1.register(aliasRoutes(deps));
      await v1.register(invocationRoutes(deps));
      await v1.register(scheduleRoutes(deps));
      await v1.register(deadLetterRoutes(deps));
      await v1.register(poolRoutes(deps));
      await v1.register(metricRoutes(deps));
      await v1.register(logStreamRoutes(deps));
      await v1.register(runtimeRoutes(deps));
      await v1.register(keyRoutes(deps));
      await v1.register(auditRoutes(deps));
    }, { prefix: '/v1' });
  };
}
