// The HTTP application, built without listening (server.ts listens; tests inject()):
// the three API surfaces, each an encapsulated plugin given only the services it uses,
// and the web dashboard's files at / (no key: the page signs in with one).
// The native API (/healthz, /v1: Bearer API keys), the Lambda-compatible API under its
// date prefixes (SigV4), and function URLs under /fn (auth per URL). Every route
// declares what it needs (gate.ts); a route that does not is refused at start. A
// request that reaches no route is answered in the native shape, from its headers.
// The HTTP server's timeouts bound how long a client may take to send its headers and
// its whole request, and how long an idle connection stays open. Given a certificate
// and key, the app serves HTTPS (TLS terminated here, no proxy needed); otherwise HTTP.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { SETTINGS_BODY_LIMIT_BYTES } from '../model/limits.js';
import { repoPath } from '../paths.js';
import { dashboard } from './dashboard/plugin.js';
import type { ApiServices } from './deps.js';
import { sendNativeError } from './error-reply.js';
import { refuseUnknownRoutes } from './gate.js';
import { lambdaApi } from './lambda/plugin.js';
import { nativeApi, nativeRouteNotFound } from './native/plugin.js';
import { functionUrls } from './urls/plugin.js';

export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** The configuration's defaults (src/config.ts). */
export const DEFAULT_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000 };

export interface AppOptions {
  /** PEM certificate (chain) and private key: serve HTTPS */
  https?: { cert: Buffer; key: Buffer };
  timeouts?: HttpTimeouts;
  /** the built dashboard (default build/dashboard, where `npm run build` puts it) */
  dashboardDir?: string;
}

export function buildApp(services: ApiServices, opts: AppOptions = {}): FastifyInstance {
  const timeouts = opts.timeouts ?? DEFAULT_TIMEOUTS;
  // Node checks the header and request timeouts on an interval, so a second's precision is enough.
  const serverTimeouts = { headersTimeout: timeouts.headersTimeoutMs, requestTimeout: timeouts.requestTimeoutMs, connectionsCheckingInterval: 1000 };
  const logger: FastifyBaseLogger = services.log;
  const app = Fastify({
    // the instance's type is the same either way; only listen() differs
    ...(opts.https ? { https: { ...opts.https, ...serverTimeouts } } : { http: serverTimeouts }),
    loggerInstance: logger,
    // per-request log lines would sit on the invoke path; errors are logged by the error handlers
    logController: new LogController({ disableRequestLogging: true }),
    // settings-sized; the routes that take events and code packages declare their own
    bodyLimit: SETTINGS_BODY_LIMIT_BYTES,
    genReqId: () => crypto.randomUUID(),
    // A request must arrive whole within requestTimeout (Node answers 408 and closes
    // the connection: no slowly sent body is held open), its headers within
    // headersTimeout (serverTimeouts, above); an idle keep-alive connection is closed
    // after keepAliveTimeout.
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    // Route schemas are checked as written: no coercion of a body's "256" into 256 (AWS
    // refuses it too; integer query values are read by parseDeclaredInput), no defaults
    // filled in (a PUT keeps the fields it leaves out), every problem reported at once
    // with the value refused.
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true, verbose: true } },
  });
  app.server.headersTimeout = timeouts.headersTimeoutMs;
  app.decorateRequest('caller', null);
  app.addHook('onRoute', (route) => {
    if (!route.config?.access) throw new Error(`${[route.method].flat().join(',')} ${route.url} declares no access (config: needs(…) or PUBLIC; see src/api/gate.ts)`);
  });

  void app.register(nativeApi(services));
  void app.register(lambdaApi(services));
  void app.register(functionUrls(services), { prefix: '/fn' });
  void app.register(dashboard(opts.dashboardDir ?? repoPath('build/dashboard')));
  void app.register(async (rest) => {
    refuseUnknownRoutes(rest, nativeRouteNotFound);
    rest.setErrorHandler(sendNativeError);
    rest.setNotFoundHandler((req, reply) => sendNativeError(nativeRouteNotFound(req), req, reply));
  });
  return app;
}
