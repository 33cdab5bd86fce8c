// Function URLs: any request to /fn/{name}[/{path}] or /fn/{name}:{alias}[/{path}]
// runs the function (or alias) that has a URL configured, with the request as an HTTP
// API payload 2.0 event, and answers with the result mapped back to HTTP. AuthType
// NONE is public; AWS_IAM takes a Skyscale API key (Bearer, or SigV4 for "lambda").
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { SigV4Verifier } from '../../auth/sigv4.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../model/limits.js';
import type { AppDeps } from '../app.js';
import { toSkyscaleError } from '../app.js';
import { badGateway, credentialHeaders, httpEvent, httpResponse, type HttpResponseOut } from '../function-url-event.js';
import { authenticateRequest } from '../lambda/plugin.js';
import { rawBody } from './body.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

export function functionUrlRoutes(deps: AppDeps): FastifyPluginAsync {
  const { registry, invoker, keys } = deps;
  const verifier = new SigV4Verifier(keys, 'lambda');
  return async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    app.setErrorHandler((err: FastifyError | SkyscaleError, req, reply) => {
      const e = toSkyscaleError(err);
      if (e.kind === 'system') req.log.error({ err }, e.message);
      return send(reply, { statusCode: e.status, headers: { 'content-type': 'application/json', 'x-amzn-errortype': e.lambdaName }, cookies: [], body: Buffer.from(JSON.stringify({ Message: e.message })) });
    });

    const handler = async (req: FastifyRequest, reply: FastifyReply) => {
      const { target, rawPath, rawQueryString } = splitUrl(req.url);
      const colon = target.indexOf(':');
      const name = colon === -1 ? target : target.slice(0, colon);
      const alias = colon === -1 ? '' : target.slice(colon + 1);
      let config;
      try {
        config = registry.urls.get(name, alias);
      } catch (err) {
        if (err instanceof SkyscaleError && (err.type === 'FunctionNotFound' || err.type === 'FunctionUrlNotFound')) {
          throw new SkyscaleError('FunctionUrlNotFound', 'The resource you requested does not exist.');
        }
        throw err;
      }
      if (config.authType === 'AWS_IAM') req.apiKey = authenticateRequest(req, keys, verifier);
      const event = httpEvent({
        caller: req.apiKey ? { keyId: req.apiKey.id } : undefined, isCredential: credentialHeaders(config.authType, (k) => keys.isKey(k)),
        method: req.method, rawPath, rawQueryString, headers: pairs(req.raw.rawHeaders), body: rawBody(req.body), sourceIp: req.ip,
        requestId: req.id, domainName: req.headers.host ?? 'localhost', apiId: target, protocol: `HTTP/${req.raw.httpVersion}`, now: new Date(),
      });
      const outcome = await invoker.invoke(name, alias || undefined, Buffer.from(JSON.stringify(event)));
      void reply.header('x-amzn-requestid', outcome.requestId);
      return send(reply, outcome.functionError ? badGateway() : httpResponse(outcome.payload));
    };
    for (const url of ['/:target', '/:target/*']) app.route({ method: METHODS, url, bodyLimit: MAX_SYNC_PAYLOAD_BYTES, handler });
  };
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
  const rawTarget = slash === -1 ? rest : rest.slice(0, slash);
  let target = rawTarget;
  try {
    target = decodeURIComponent(rawTarget);
  } catch {
    // keep it as received; it will not name a function
  }
  return { target, rawPath: slash === -1 ? '/' : rest.slice(slash), rawQueryString: q === -1 ? '' : url.slice(q + 1) };
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
