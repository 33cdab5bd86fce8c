// The Lambda-compatible API (restJson1): one encapsulated plugin per date prefix the
// AWS clients use (/2015-03-31 for functions, versions, aliases and Invoke;
// /2016-08-19 for account settings; /2017-03-31 for tags; /2017-10-31 and /2019-09-30
// for concurrency; /2019-09-25 for event invoke configs; /2021-10-31 for function URL configs).
// Each takes raw bodies, authenticates with SigV4 (or a Skyscale Bearer key) from the
// headers before the body is read, and finishes a signature's check once the body is
// there (it covers the body's hash) when the headers could not; then parses and checks
// the request against the route's schema, and answers errors in the REST-JSON shape:
// status, x-amzn-ErrorType, {Type, message} ({Type, Message} for a resource not found),
// x-amzn-RequestId, in AWS's words where AWS has some (aws-words.ts).
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { requestAuthenticator } from '../../auth/request-auth.js';
import type { LambdaServices } from '../deps.js';
import { sendLambdaError } from '../error-reply.js';
import { installBodyScope, installGate } from '../gate.js';
import { acceptRawBodies, parseDeclaredInput } from '../request-body.js';
import { lambdaSchemaError } from '../schema-errors.js';
import { lambdaAccountRoutes } from './account.js';
import { lambdaAliasRoutes } from './aliases.js';
import { inAwsWords } from './aws-words.js';
import { concurrencyReadRoutes, concurrencyWriteRoutes } from './concurrency.js';
import { lambdaEventInvokeConfigRoutes } from './event-invoke-configs.js';
import { parseFunctionName } from './function-name.js';
import { lambdaFunctionRoutes } from './functions.js';
import { lambdaInvokeRoutes } from './invoke.js';
import { lambdaTagRoutes } from './tags.js';
import { lambdaUrlConfigRoutes } from './url-configs.js';

type LambdaRoutes = (app: FastifyInstance, deps: LambdaServices) => void;

/** Each date prefix, its routes, and the path parameter naming the function (a name or ARN). */
const DATE_PREFIXES: [string, LambdaRoutes[], string][] = [
  ['/2015-03-31', [lambdaFunctionRoutes, lambdaAliasRoutes, lambdaInvokeRoutes], 'FunctionName'],
  ['/2016-08-19', [lambdaAccountRoutes], 'FunctionName'],
  ['/2017-03-31', [lambdaTagRoutes], 'Resource'],
  ['/2017-10-31', [concurrencyWriteRoutes], 'FunctionName'],
  ['/2019-09-25', [lambdaEventInvokeConfigRoutes], 'FunctionName'],
  ['/2019-09-30', [concurrencyReadRoutes], 'FunctionName'],
  ['/2021-10-31', [lambdaUrlConfigRoutes], 'FunctionName'],
];

/** The function CreateFunction names in its body (undefined when it is not a usable name: the schema refuses it). */
function functionInBody(body: unknown): string | undefined {
  const name = (body as { FunctionName?: unknown } | null)?.FunctionName;
  if (typeof name !== 'string') return undefined;
  try {
    return parseFunctionName(name).name;
  } catch {
    return undefined;
  }
}

const routeNotFound = (req: FastifyRequest) => new SkyscaleError('RouteNotFound', `no Lambda API route ${req.method} ${req.url.split('?')[0]}`);

export function lambdaApi(deps: LambdaServices): FastifyPluginAsync {
  const authenticate = requestAuthenticator(deps.keys);
  return async (app) => {
    for (const [prefix, routes, functionParam] of DATE_PREFIXES) {
      await app.register(async (api) => {
        acceptRawBodies(api);
        api.setErrorHandler((err, req, reply) => sendLambdaError(inAwsWords(err, req), req, reply));
        api.setSchemaErrorFormatter(lambdaSchemaError);
        api.setNotFoundHandler((req, reply) => sendLambdaError(routeNotFound(req), req, reply));
        // from the headers before the body is read; a signature's body hash once it is
        installGate(api, {
          authenticate, limits: deps.limits, audit: deps.audit, notFound: routeNotFound,
          functionParam, functionInPath: (raw) => parseFunctionName(raw).name, functionInBody,
        });
        parseDeclaredInput(api, 'Could not parse request body into json');
        installBodyScope(api, functionInBody);
        api.addHook('onSend', async (req, reply) => {
          if (!reply.hasHeader('x-amzn-requestid')) void reply.header('x-amzn-requestid', req.id);
        });
        for (const r of routes) r(api, deps);
      }, { prefix });
    }
  };
}
