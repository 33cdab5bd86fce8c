// Function URLs: any request to /fn/{name}[/{path}] or /fn/{name}:{alias}[/{path}]
// runs the function (or alias) that has a URL configured, with the request as an HTTP
// API payload 2.0 event, and answers with the result mapped back to HTTP. AuthType
// NONE is public (rate-limited per URL and client address); AWS_IAM takes a Skyscale
// API key that may invoke the function (Bearer, or SigV4 for "lambda"), checked by the
// gate from the headers before the body is read.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { requestAuthenticator } from '../../auth/request-auth.js';
import type { FunctionUrlRecord } from '../../model/function.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../model/limits.js';
import { decodeOrKeep } from '../../uri.js';
import type { UrlServices } from '../deps.js';
import { sendFunctionUrlError } from '../error-reply.js';
import { installGate, type RouteAccess } from '../gate.js';
import { acceptRawBodies, rawBody } from '../request-body.js';
import { badGateway, credentialHeaders, httpEvent, httpResponse, type HttpResponseOut } from './function-url-event.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** AWS_IAM URLs need a key that may invoke the function; NONE URLs are public, limited per URL and client address. */
const URL_ACCESS: RouteAccess = { permission: 'functions:invoke', scope: 'path', perUrl: true };

interface UrlTarget {
  name: string;
  alias: string;
  target: string;
  rawPath: string;
  rawQueryString: string;
  config: FunctionUrlRecord;
}

const notFound = () => new SkyscaleError('FunctionUrlNotFound', 'The resource you requested does not exist.');

export function functionUrls({ registry, invoker, keys, limits, audit }: UrlServices): FastifyPluginAsync {
  const authenticate = requestAuthenticator(keys);
  const targets = new WeakMap<FastifyRequest, UrlTarget>();
  return async (app) => {
    acceptRawBodies(app);
    app.setErrorHandler(sendFunctionUrlError);
    // which URL, and so which AuthType, is known from the path before anything else
    app.addHook('onRequest', async (req) => {
      if (req.is404) return;
      const { target, rawPath, rawQueryString } = splitUrl(req.url);
      const colon = target.indexOf(':');
      const name = colon === -1 ? target : target.slice(0, colon);
      const alias = colon === -1 ? '' : target.slice(colon + 1);
      targets.set(req, { name, alias, target, rawPath, rawQueryString, config: urlConfig(registry, name, alias) });
    });
    installGate(app, {
      authenticate, limits, audit, notFound,
      // the function the URL was resolved to, the very one the handler invokes
      functionParam: 'target', functionInPath: (_target, req) => targets.get(req)!.name, functionInBody: () => undefined,
      publicUrl: (req) => {
        const t = targets.get(req)!;
        return t.config.authType === 'NONE' ? t.target : null;
      },
    });

    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const { name, alias, target, rawPath, rawQueryString, config } = targets.get(req)!;
      const body = rawBody(req.body);
      const event = httpEvent({
        caller: req.caller ? { keyId: req.caller.id } : undefined, isCredential: credentialHeaders(config.authType, (k) => keys.isKey(k)),
        method: req.method, rawPath, rawQueryString, headers: pairs(req.raw.rawHeaders), body, sourceIp: req.ip,
        requestId: req.id, domainName: req.headers.host ?? 'localhost', apiId: target, protocol: `HTTP/${req.raw.httpVersion}`, now: new Date(),
      });
      const outcome = await invoker.invoke(name, alias || undefined, Buffer.from(JSON.stringify(event)));
      void reply.header('x-amzn-requestid', outcome.requestId);
      return send(reply, outcome.functionError ? badGateway() : httpResponse(outcome.payload));
    };
    for (const url of ['/:target', '/:target/*']) app.route({ method: METHODS, url, bodyLimit: MAX_SYNC_PAYLOAD_BYTES, config: { access: URL_ACCESS }, handler });
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
