// The Lambda-compatible API (restJson1): one encapsulated plugin per date prefix the
// AWS clients use (/2015-03-31 for functions, versions, aliases and Invoke;
// /2017-10-31 and /2019-09-30 for concurrency; /2021-10-31 for function URLs). Each
// takes raw bodies, authenticates with SigV4 (or a Skyscale Bearer key), and answers
// errors in the REST-JSON shape: status, x-amzn-ErrorType, {Type, message}.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import type { ApiKey, ApiKeys } from '../../auth/api-keys.js';
import { isSigV4, SigV4Verifier } from '../../auth/sigv4.js';
import type { AppDeps } from '../app.js';
import { toSkyscaleError } from '../app.js';
import { rawBody } from '../routes/body.js';
import { lambdaFunctionRoutes } from './functions.js';
import { lambdaInvokeRoutes } from './invoke.js';
import { lambdaConcurrencyRoutes, lambdaUrlConfigRoutes } from './concurrency-and-urls.js';

export type LambdaRoutes = (app: FastifyInstance, deps: AppDeps) => void;

const SURFACES: [string, LambdaRoutes[]][] = [
  ['/2015-03-31', [lambdaFunctionRoutes, lambdaInvokeRoutes]],
  ['/2017-10-31', [lambdaConcurrencyRoutes('put-delete')]],
  ['/2019-09-30', [lambdaConcurrencyRoutes('get')]],
  ['/2021-10-31', [lambdaUrlConfigRoutes]],
];

/** Authenticates a request: `Bearer <id>.<secret>`, or a SigV4 signature for `service`. */
export function authenticateRequest(req: FastifyRequest, keys: ApiKeys, verifier: SigV4Verifier): ApiKey {
  const authorization = req.headers.authorization;
  if (isSigV4(authorization)) return verifier.verify({ method: req.method, url: req.url, headers: req.headers, body: rawBody(req.body) });
  if (authorization === undefined) {
    throw new SkyscaleError('Unauthorized', 'the request is not signed', { hint: 'sign it with AWS SigV4 (access key id = API key id, secret = its secret), or send Authorization: Bearer <id>.<secret>' });
  }
  return keys.authenticate(authorization);
}

export function sendLambdaError(reply: FastifyReply, req: FastifyRequest, err: FastifyError | SkyscaleError): FastifyReply {
  const error = toSkyscaleError(err);
  if (error.kind === 'system') req.log.error({ err }, error.message);
  if (error.type === 'TooManyRequests') void reply.header('retry-after', '1');
  return reply.status(error.status).header('x-amzn-errortype', error.lambdaName).header('x-amzn-requestid', req.id).type('application/json').send({
    Type: error.kind === 'user' ? 'User' : 'Service',
    message: error.message,
    ...(error.type === 'TooManyRequests' ? { Reason: 'ConcurrentInvocationLimitExceeded' } : {}),
  });
}

export function registerLambdaApi(app: FastifyInstance, deps: AppDeps): void {
  const verifier = new SigV4Verifier(deps.keys, 'lambda');
  for (const [prefix, routes] of SURFACES) {
    void app.register(async (api) => {
      api.removeAllContentTypeParsers();
      api.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
      api.setErrorHandler((err: FastifyError | SkyscaleError, req, reply) => sendLambdaError(reply, req, err));
      api.setNotFoundHandler((req, reply) => sendLambdaError(reply, req, new SkyscaleError('RouteNotFound', `no Lambda API route ${req.method} ${req.url.split('?')[0]}`)));
      // after the body is read: SigV4 signs its hash
      api.addHook('preHandler', async (req) => {
        req.apiKey = authenticateRequest(req, deps.keys, verifier);
      });
      api.addHook('onSend', async (req, reply) => {
        if (!reply.hasHeader('x-amzn-requestid')) void reply.header('x-amzn-requestid', req.id);
      });
      for (const r of routes) r(api, deps);
    }, { prefix });
  }
}
