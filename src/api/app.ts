// Builds the HTTP application without listening, so tests can use inject(). Each
// surface is an encapsulated plugin: health (no auth), the native API under /v1
// (Bearer API keys), the Lambda-compatible API under its date prefixes (SigV4) and
// function URLs under /fn (auth per URL).
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import type { ApiKeys } from '../auth/api-keys.js';
import type { Registry } from '../registry/registry.js';
import type { Invoker } from '../scheduler/invoker.js';
import type { NodeStatus } from '../model/node-status.js';
import type { InvocationRecorder } from '../observe/invocation-recorder.js';
import { healthRoutes } from './routes/health.js';
import { functionRoutes } from './routes/functions.js';
import { invocationRoutes } from './routes/invocations.js';
import { openapiRoutes } from './routes/openapi.js';
import { registerLambdaApi } from './lambda/plugin.js';
import { functionUrlRoutes } from './routes/function-urls.js';
import { UPLOAD_LIMIT_BYTES } from '../model/limits.js';

export interface AppDeps {
  log: Logger;
  keys: ApiKeys;
  registry: Registry;
  invoker: Invoker;
  recorder: InvocationRecorder;
  status: NodeStatus;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log as unknown as import("fastify").FastifyBaseLogger,
    // per-request log lines would sit on the invoke path; errors are logged by the error handler
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: UPLOAD_LIMIT_BYTES,
    genReqId: () => crypto.randomUUID(),
  });

  app.setErrorHandler((err: FastifyError | SkyscaleError, req, reply) => {
    const error = toSkyscaleError(err);
    if (error.kind === 'system') req.log.error({ err }, error.message);
    void reply.status(error.status).header('x-skyscale-error-type', error.type).send({ error: error.toJSON() });
  });
  app.setNotFoundHandler((req, reply) => {
    const error = new SkyscaleError('RouteNotFound', `no route ${req.method} ${req.url.split('?')[0]}`, { hint: 'the API is described at /v1/openapi.yaml' });
    void reply.status(404).send({ error: error.toJSON() });
  });

  void app.register(healthRoutes(deps));
  void app.register(openapiRoutes());
  void app.register(async (v1) => {
    // The native API takes bodies as raw bytes: events and packages are passed on
    // untouched, and JSON settings are parsed (and refused clearly) by the routes.
    v1.removeAllContentTypeParsers();
    v1.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    v1.addHook('onRequest', async (req) => {
      req.apiKey = deps.keys.authenticate(req.headers.authorization);
    });
    await v1.register(functionRoutes(deps));
    await v1.register(invocationRoutes(deps));
  }, { prefix: '/v1' });
  registerLambdaApi(app, deps);
  void app.register(functionUrlRoutes(deps), { prefix: '/fn' });
  return app;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: import('../auth/api-keys.js').ApiKey;
  }
}

export function toSkyscaleError(err: FastifyError | SkyscaleError): SkyscaleError {
  if (err instanceof SkyscaleError) return err;
  const code = (err as FastifyError).code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new SkyscaleError('PayloadTooLarge', 'the request body is over the size limit');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new SkyscaleError('UnsupportedMediaType', err.message);
  if (code === 'FST_ERR_VALIDATION') return new SkyscaleError('ValidationError', err.message);
  if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) return new SkyscaleError('ValidationError', err.message);
  return new SkyscaleError('InternalError', `internal error: ${err.message}`, { cause: err });
}
