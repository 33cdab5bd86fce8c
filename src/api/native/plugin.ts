// The native API: /healthz and /v1/openapi.yaml without a key, and under /v1 the
// functions, versions, aliases, invocations, logs and the pool, each route taking
// `Authorization: Bearer <id>.<secret>`. Errors answer `{error: {type, message, hint?}}`.
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';
import { sendNativeError } from '../error-reply.js';
import { acceptRawBodies, parseDeclaredInput } from '../request-body.js';
import { nativeSchemaError } from '../schema-errors.js';
import { aliasRoutes } from './aliases.js';
import { functionRoutes } from './functions.js';
import { invocationRoutes } from './invocations.js';
import { poolRoutes } from './pool.js';
import { publicRoutes } from './public.js';

export function nativeApi(deps: NativeServices): FastifyPluginAsync {
  return async (app) => {
    app.setErrorHandler(sendNativeError);
    app.setSchemaErrorFormatter(nativeSchemaError);
    await app.register(publicRoutes(deps));
    await app.register(async (v1) => {
      v1.addHook('onRequest', async (req) => {
        deps.keys.authenticate(req.headers.authorization);
      });
      acceptRawBodies(v1);
      parseDeclaredInput(v1);
      await v1.register(functionRoutes(deps));
      await v1.register(aliasRoutes(deps));
      await v1.register(invocationRoutes(deps));
      await v1.register(poolRoutes(deps));
    }, { prefix: '/v1' });
  };
}
