// The request gate every route of every surface passes through. Each route declares in
// its config what it needs (`needs(permission, scope, auditAction?)`), and one set of
// hooks per surface enforces it, from the headers alone, before any byte of the body
// is read (onRequest): the caller is authenticated (a Bearer key whole; a SigV4
// signature as far as the headers allow), rate-limited, and checked against the
// route's permission and, for a key limited to some functions, the function the path
// names. What can only be checked with the body comes right after it is read
// (preValidation): the rest of a signature, and the function a create request names.
// Listings and records are narrowed to the key's scope by their routes
// (callerMayAct, requireCallerScope). Changes are written to the audit log once
// answered. docs/auth.md is the table of routes; api/access.test.ts keeps the two in
// step and tries every row with every role.
import { errorCodes, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Authentication, RequestAuthenticator } from '../auth/request-auth.js';
import { requireFunctionInScope, requirePermission, requireUnscoped, type Permission } from '../auth/permissions.js';
import type { RateLimits } from '../auth/rate-limits.js';
import { SkyscaleError } from '../errors.js';
import { inScope, type ApiKey } from '../model/api-key.js';
import type { AuditLog } from '../observe/audit-log.js';
import { toSkyscaleError } from './error-reply.js';
import { rawBody } from './request-body.js';

/**
 * Which function a request acts on, for keys limited to some functions:
 * `path` — the one the path names, checked before the body is read;
 * `body` — the one a create request names in its body, checked once it is parsed;
 * `listing` — the route lists only the functions in scope;
 * `record` — the route checks the function of the record it found;
 * `node` — node-wide (the pool, keys, the audit log): refused to scoped keys;
 * `none` — public routes.
 */
export type Scope = 'path' | 'body' | 'listing' | 'record' | 'node' | 'none';

export interface RouteAccess {
  permission: Permission | 'public';
  scope: Scope;
  /** the action a change through this route is audited as */
  audit?: string;
  /** function URLs: the URL's AuthType decides (NONE: public, rate-limited per URL and client address) */
  perUrl?: boolean;
  /** served without a key to clients connecting from the loopback address (a scraper on the same host) */
  openOnLoopback?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** the API key the request was authenticated with (null: public, or not yet verified) */
    caller: ApiKey | null;
  }
}

/** A route's config: what it needs. */
export function needs(permission: Permission, scope: Exclude<Scope, 'none'>, audit?: string): { access: RouteAccess } {
  return { access: { permission, scope, ...(audit ? { audit } : {}) } };
}

/** A route's config: served to anyone, without a key. */
export const PUBLIC: { access: RouteAccess } = { access: { permission: 'public', scope: 'none' } };

export interface GateOptions {
  authenticate: RequestAuthenticator;
  limits: RateLimits;
  audit: Pick<AuditLog, 'record'>;
  /** the path parameter naming the function */
  functionParam: string;
  /** the function name in that parameter (ARNs and qualifiers taken off) */
  functionInPath(param: string, req: FastifyRequest): string;
  /** the function a parsed create body names */
  functionInBody(body: unknown): string | undefined;
  /** for routes with perUrl: the URL a request goes to when it is public (AuthType NONE), else null */
  publicUrl?(req: FastifyRequest): string | null;
  /** how this surface answers a request to no route (at once: no body is read) */
  notFound(req: FastifyRequest): SkyscaleError;
}

/** What the gate keeps about one request between its hooks. */
interface Passage {
  /** a signature still to check against the body, and the key it claims */
  pending?: { auth: Authentication; release: () => void };
  errorType?: string;
  target?: string;
  detail?: string;
}

const passages = new WeakMap<FastifyRequest, Passage>();
const passage = (req: FastifyRequest): Passage => {
  let p = passages.get(req);
  if (!p) passages.set(req, (p = {}));
  return p;
};

/** Installs the gate on a surface's routes; call before the routes' body parsing hooks are added. */
export function installGate(app: FastifyInstance, opts: GateOptions): void {
  app.addHook('onRequest', async (req, reply) => {
    if (req.is404) throw opts.notFound(req);
    const access = declared(req);
    if (access.permission === 'public') return;
    if (access.openOnLoopback && fromLoopback(req)) return;
    const url = access.perUrl ? opts.publicUrl?.(req) ?? null : null;
    if (url !== null) {
      opts.limits.publicUrlRequest(url, req.ip);
      return;
    }
    const auth = opts.authenticate(req);
    if (auth.finish) {
      // A body that says it is over the route's limit is refused before it is read or
      // held, as Fastify refuses one once it has read past the limit.
      if (Number(req.headers['content-length']) > (req.routeOptions.bodyLimit ?? Infinity)) throw new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE();
      // Not verified until the body's hash is known: hold only a reservation of its
      // bytes, and nothing that depends on which key it claims.
      const release = opts.limits.reserveUnverifiedBody(expectedBodyBytes(req));
      reply.raw.once('close', release);
      passage(req).pending = { auth, release };
      return;
    }
    admit(req, reply, access, auth.key, opts);
  });

  app.addHook('preValidation', async (req, reply) => {
    const pending = passages.get(req)?.pending;
    if (!pending) return;
    passage(req).pending = undefined;
    try {
      pending.auth.finish!(rawBody(req.body));
    } finally {
      pending.release();
    }
    admit(req, reply, declared(req), pending.auth.key, opts);
  });

  app.addHook('onError', async (req, reply, err) => {
    passage(req).errorType = toSkyscaleError(err).type;
    closeIfBodyUnread(req, reply);
  });

  app.addHook('onResponse', async (req, reply) => {
    const action = req.routeOptions.config.access?.audit;
    if (!action || !req.caller) return;
    const p = passages.get(req) ?? {};
    if (p.errorType === 'RateLimitExceeded') return; // a throttled attempt changed nothing and would flood the log
    opts.audit.record({
      at: new Date().toISOString(), keyId: req.caller.id, keyName: req.caller.name, action, target: p.target ?? auditTarget(req, opts),
      client: req.ip, result: reply.statusCode < 400 ? 'ok' : p.errorType ?? `HTTP ${reply.statusCode}`, detail: p.detail ?? null,
    });
  });
}

/** Checks the function a create request names in its body; call after the body is parsed, before it is validated. */
export function installBodyScope(app: FastifyInstance, functionInBody: (body: unknown) => string | undefined): void {
  app.addHook('preValidation', async (req) => {
    if (req.routeOptions.config.access?.scope !== 'body' || !req.caller) return;
    const name = functionInBody(req.body);
    if (name !== undefined) requireFunctionInScope(req.caller, name);
  });
}

/** Answers requests to no route at once, from the headers, whatever their body (none is read). */
export function refuseUnknownRoutes(app: FastifyInstance, notFound: (req: FastifyRequest) => SkyscaleError): void {
  app.addHook('onRequest', async (req) => {
    if (req.is404) throw notFound(req);
  });
  app.addHook('onError', async (req, reply) => closeIfBodyUnread(req, reply));
}

/**
 * A request answered before its body arrived whole (refused at the gate, or too large)
 * leaves the body on the wire: the connection is closed once the answer is written, so
 * the client has to stop sending, rather than the server reading and throwing away
 * whatever it sends.
 */
function closeIfBodyUnread(req: FastifyRequest, reply: FastifyReply): void {
  if (req.raw.complete) return;
  void reply.header('connection', 'close');
  reply.raw.once('finish', () => req.raw.socket?.destroySoon());
}

/** Whether the caller may see or act on the function (listings): a key limited to some functions sees only those. */
export function callerMayAct(req: FastifyRequest, functionName: string): boolean {
  return req.caller === null || inScope(req.caller.functions, functionName);
}

/** Throws Forbidden when the record's function is outside the caller's scope. */
export function requireCallerScope(req: FastifyRequest, functionName: string): void {
  if (req.caller) requireFunctionInScope(req.caller, functionName);
}

/** What the audit log says a change acted on, and anything worth adding, when the route knows better than its path. */
export function noteForAudit(req: FastifyRequest, note: { target?: string; detail?: string }): void {
  Object.assign(passage(req), note);
}

/**
 * The connection comes from this host: the socket's own peer address, never a
 * forwarded header. (A reverse proxy on the same host makes every client loopback: see
 * docs/metrics.md.)
 */
function fromLoopback(req: FastifyRequest): boolean {
  const a = req.raw.socket.remoteAddress ?? '';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

function declared(req: FastifyRequest): RouteAccess {
  const access = req.routeOptions.config.access;
  if (!access) throw new SkyscaleError('InternalError', `the route ${req.method} ${req.routeOptions.url} declares no access`);
  return access;
}

/** The key is known: rate limits, the role's permission, the function scope, and a slot for an invocation. */
function admit(req: FastifyRequest, reply: FastifyReply, access: RouteAccess, key: ApiKey, opts: GateOptions): void {
  req.caller = key;
  opts.limits.keyRequest(key.id);
  if (access.permission === 'public') return;
  requirePermission(key, access.permission);
  if (access.scope === 'node') requireUnscoped(key);
  if (access.scope === 'path' && key.functions !== null) {
    const name = functionNamed(req, opts);
    // a name that does not parse names no function, so none in the key's scope either
    if (name === undefined) throw new SkyscaleError('Forbidden', `API key "${key.id}" is limited to some functions, and the path names none`);
    requireFunctionInScope(key, name);
  }
  if (access.permission === 'functions:invoke') reply.raw.once('close', opts.limits.beginInvocation(key.id));
}

/** The function the path names; undefined when the name does not parse (the route's schema refuses it). */
function functionNamed(req: FastifyRequest, opts: GateOptions): string | undefined {
  const raw = (req.params as Record<string, string | undefined>)[opts.functionParam];
  if (raw === undefined) return undefined;
  try {
    return opts.functionInPath(raw, req);
  } catch {
    return undefined;
  }
}

/** The bytes a request says it will send: its Content-Length, or the route's limit when it streams. */
function expectedBodyBytes(req: FastifyRequest): number {
  const limit = req.routeOptions.bodyLimit ?? 0;
  const length = Number(req.headers['content-length']);
  if (Number.isSafeInteger(length) && length >= 0) return Math.min(length, limit);
  return req.headers['transfer-encoding'] ? limit : 0;
}

/** The function and the other path parameters (an alias, a key id), and a Qualifier. */
function auditTarget(req: FastifyRequest, opts: GateOptions): string {
  const access = req.routeOptions.config.access!;
  const params = req.params as Record<string, string>;
  let fn: string | undefined;
  if (access.scope === 'body') fn = opts.functionInBody(req.body);
  else if (params[opts.functionParam] !== undefined) fn = functionNamed(req, opts) ?? params[opts.functionParam];
  const others = Object.entries(params).filter(([k]) => k !== opts.functionParam).map(([, v]) => v);
  const qualifier = (req.query as Record<string, unknown> | undefined)?.Qualifier;
  return [fn, ...others, typeof qualifier === 'string' ? qualifier : undefined].filter((x) => x !== undefined && x !== '').join(':') || '-';
}
