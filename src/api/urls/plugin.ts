// Function URLs: any request to /fn/{name}[/{path}] or /fn/{name}:{alias}[/{path}]
// runs the function (or alias) that has a URL configured, with the request as an HTTP
// API payload 2.0 event, and answers with the result mapped back to HTTP. AuthType
// NONE is public; AWS_IAM takes a Skyscale API key (Bearer, or SigV4 for "lambda").
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { requestAuthenticator } from '../../auth/request-auth.js';
import type { FunctionUrlRecord } from '../../model/function.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../model/limits.js';
import { decodeOrKeep } from '../../uri.js';
import type { UrlServices } from '../deps.js';
import { sendFunctionUrlError } from '../error-reply.js';
import { acceptRawBodies, rawBody } from '../request-body.js';
import { badGateway, credentialHeaders, httpEvent, httpResponse, type HttpResponseOut } from './function-url-event.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function functionUrls({ registry, invoker, keys }: UrlServices): FastifyPluginAsync {
  const authenticate = requestAuthenticator(keys);
  return async (app) => {
    acceptRawBodies(app);
    app.setErrorHandler(sendFunctionUrlError);

    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const { target, rawPath, rawQueryString } = splitUrl(req.url);
      const colon = target.indexOf(':');
      const name = colon === -1 ? target : target.slice(0, colon);
      const alias = colon === -1 ? '' : target.slice(colon + 1);
      const config = urlConfig(registry, name, alias);
      const body = rawBody(req.body);
      const caller = config.authType === 'AWS_IAM' ? authenticate({ method: req.method, url: req.url, headers: req.headers, body }) : undefined;
      const event = httpEvent({
        caller: caller ? { keyId: caller.id } : undefined, isCredential: credentialHeaders(config.authType, (k) => keys.isKey(k)),
        method: req.method, rawPath, rawQueryString, headers: pairs(req.raw.rawHeaders), body, sourceIp: req.ip,
        requestId: req.id, domainName: req.headers.host ?? 'localhost', apiId: target, protocol: `HTTP/${req.raw.httpVersion}`, now: new Date(),
      });
      const outcome = await invoker.invoke(name, alias || undefined, Buffer.from(JSON.stringify(event)));
      void reply.header('x-amzn-requestid', outcome.requestId);
      return send(reply, outcome.functionError ? badGateway() : httpResponse(outcome.payload));
    };
    for (const url of ['/:target', '/:target/*']) app.route({ method: METHODS, url, bodyLimit: MAX_SYNC_PAYLOAD_BYTES, handler });
  };
}

/** The URL config, or Lambda's wording when the function or its URL is unknown. */
function urlConfig(registry: UrlServices['registry'], name: string, alias: string): FunctionUrlRecord {
  try {
    return registry.urls.get(name, alias);
  } catch (err) {
    if (err instanceof SkyscaleError && (err.type === 'FunctionNotFound' || err.type === 'FunctionUrlNotFound')) {
      throw new SkyscaleError('FunctionUrlNotFound', 'The resource you requested does not exist.');
    }
    throw err;
  }
}

function send(reply: FastifyReply, r: HttpResponseOut): FastifyReply {
  void reply.status(r.statusCode).headers(r.headers);
  if (r.cookies.length) void reply.header('set-cookie', r.cookies);
  return reply.send(r.body);
}

/** `/fn/{target}/rest?query` → the decoded target, the rest of the path as received ("/" at least), the query. */
export function splitUrl(url: string): { target: string; rawPath: string; rawQueryString: string } {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const rest = path.replace(/^\/fn\//, '');
  const slash = rest.indexOf('/');
  // a target that does not decode is kept as received: it will not name a function
  const target = decodeOrKeep(slash === -1 ? rest : rest.slice(0, slash));
  return { target, rawPath: slash === -1 ? '/' : rest.slice(slash), rawQueryString: q === -1 ? '' : url.slice(q + 1) };
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
