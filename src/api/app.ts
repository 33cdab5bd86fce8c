// The HTTP application, built without listening (server.ts listens; tests inject()):
// the three API surfaces, each an encapsulated plugin given only the services it uses.
// The native API (/healthz, /v1: Bearer API keys), the Lambda-compatible API under its
// date prefixes (SigV4), and function URLs under /fn (auth per URL). A request that
// reaches none of them is answered in the native shape. Given a certificate and key, the
// app serves HTTPS (TLS terminated here, no proxy needed); otherwise plain HTTP.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { SkyscaleError } from '../errors.js';
import { UPLOAD_LIMIT_BYTES } from '../model/limits.js';
import type { ApiServices } from './deps.js';
import { sendNativeError } from './error-reply.js';
import { lambdaApi } from './lambda/plugin.js';
import { nativeApi } from './native/plugin.js';
import { functionUrls } from './urls/plugin.js';

export interface AppOptions {
  /** PEM certificate (chain) and private key: serve HTTPS */
  https?: { cert: Buffer; key: Buffer };
}

export function buildApp(services: ApiServices, opts: AppOptions = {}): FastifyInstance {
  const logger: FastifyBaseLogger = services.log;
  const app = Fastify({
    // the instance's type is the same either way; only listen() differs
    ...(opts.https ? { https: opts.https } : {}),
    loggerInstance: logger,
    // per-request log lines would sit on the invoke path; errors are logged by the error handlers
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: UPLOAD_LIMIT_BYTES,
    genReqId: () => crypto.randomUUID(),
    // Route schemas are checked as written: no coercion of a body's "256" into 256 (AWS
    // refuses it too; integer query values are read by parseDeclaredInput), no defaults
    // filled in (a PUT keeps the fields it leaves out), every problem reported at once
    // with the value refused.
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true, verbose: true } },
  });
  app.setErrorHandler(sendNativeError);
  app.setNotFoundHandler((req, reply) => sendNativeError(
    new SkyscaleError('RouteNotFound', `no route ${req.method} ${req.url.split('?')[0]}`, { hint: 'the API is described at /v1/openapi.yaml' }), req, reply));

  void app.register(nativeApi(services));
  void app.register(lambdaApi(services));
  void app.register(functionUrls(services), { prefix: '/fn' });
  return app;
}
