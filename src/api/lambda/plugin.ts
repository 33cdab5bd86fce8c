// The Lambda-compatible API (restJson1): one encapsulated plugin per date prefix the
// AWS clients use (/2015-03-31 for functions, versions, aliases and Invoke;
// /2017-10-31 and /2019-09-30 for concurrency; /2021-10-31 for function URL configs).
// Each takes raw bodies, authenticates with SigV4 (or a Skyscale Bearer key) once the
// body is read (the signature covers its hash), then parses and checks the request
// against the route's schema, and answers errors in the REST-JSON shape: status,
// x-amzn-ErrorType, {Type, message}, x-amzn-RequestId.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { requestAuthenticator } from '../../auth/request-auth.js';
import type { LambdaServices } from '../deps.js';
import { sendLambdaError } from '../error-reply.js';
import { acceptRawBodies, parseDeclaredInput, rawBody } from '../request-body.js';
import { lambdaSchemaError } from '../schema-errors.js';
import { lambdaAliasRoutes } from './aliases.js';
import { concurrencyReadRoutes, concurrencyWriteRoutes } from './concurrency.js';
import { lambdaFunctionRoutes } from './functions.js';
import { lambdaInvokeRoutes } from './invoke.js';
import { lambdaUrlConfigRoutes } from './url-configs.js';

type LambdaRoutes = (app: FastifyInstance, deps: LambdaServices) => void;

const DATE_PREFIXES: [string, LambdaRoutes[]][] = [
  ['/2015-03-31', [lambdaFunctionRoutes, lambdaAliasRoutes, lambdaInvokeRoutes]],
  ['/2017-10-31', [concurrencyWriteRoutes]],
  ['/2019-09-30', [concurrencyReadRoutes]],
  ['/2021-10-31', [lambdaUrlConfigRoutes]],
];

export function lambdaApi(deps: LambdaServices): FastifyPluginAsync {
  const authenticate = requestAuthenticator(deps.keys);
  return async (app) => {
    for (const [prefix, routes] of DATE_PREFIXES) {
      await app.register(async (api) => {
        acceptRawBodies(api);
        api.setErrorHandler(sendLambdaError);
        api.setSchemaErrorFormatter(lambdaSchemaError);
        api.setNotFoundHandler((req, reply) => sendLambdaError(new SkyscaleError('RouteNotFound', `no Lambda API route ${req.method} ${req.url.split('?')[0]}`), req, reply));
        // once the body is read (SigV4 signs its hash) and before it is parsed and checked
        api.addHook('preValidation', async (req) => {
          authenticate({ method: req.method, url: req.url, headers: req.headers, body: rawBody(req.body) });
        });
        parseDeclaredInput(api, 'Could not parse request body into json');
        api.addHook('onSend', async (req, reply) => {
          if (!reply.hasHeader('x-amzn-requestid')) void reply.header('x-amzn-requestid', req.id);
        });
        for (const r of routes) r(api, deps);
      }, { prefix });
    }
  };
}
