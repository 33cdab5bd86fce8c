// AWS Signature Version 4 verification for the Lambda API and function URLs: the
// access key id is a Skyscale API key's id and the secret access key its secret. The
// canonical request is rebuilt from what arrived (method, the still-encoded path
// escaped once more as the AWS signers do, the query, only the signed headers, the
// body's SHA-256), signed with the key derived for the credential's date, region and
// service, and compared in constant time. A date more than 15 minutes off, or a body
// whose hash differs from x-amz-content-sha256, is refused.
//
// Verification runs in two steps so that nothing of the body is read for a request
// that cannot be authentic: begin() checks what the headers alone can tell (the
// header's shape, the date, that the key id names an active key) and, when the client
// sent x-amz-content-sha256 (the AWS SDKs do), the signature itself over that claimed
// hash; what is left for the body is then only comparing its hash. Without that header
// the signature is checked once the body is read. An unknown, revoked or expired key id
// is answered exactly as a wrong signature is, so the answer never tells whether a key
// id exists.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SkyscaleError } from '../errors.js';
import { decodeOrKeep } from '../uri.js';
import type { ApiKey } from './api-keys.js';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** A request as far as its headers go. */
export interface RequestHead {
  method: string;
  /** the request target as received: path still percent-encoded, with the query */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface SignedRequest extends RequestHead {
  body: Buffer;
}

/** The key a request names, and what is left to check once its body is read (null: nothing). */
export interface Authentication {
  key: ApiKey;
  finish: ((body: Buffer) => void) | null;
}

export interface SecretSource {
  signingSecret(id: string): { key: ApiKey; secret: string | null } | undefined;
}

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function isSigV4(authorization: string | undefined): boolean {
  return typeof authorization === 'string' && authorization.startsWith(`${ALGORITHM} `);
}

export class SigV4Verifier {
  /** signing keys derived per key id and credential scope (one per day and region) */
  private readonly derived = new Map<string, { secret: string; key: Buffer }>();

  constructor(private readonly secrets: SecretSource, private readonly service: string, private readonly now: () => number = Date.now) {}

  /** Both steps at once, for a request whose body is at hand. */
  verify(req: SignedRequest): ApiKey {
    const auth = this.begin(req);
    auth.finish?.(req.body);
    return auth.key;
  }

  /** Everything the headers can tell; see the module comment. */
  begin(req: RequestHead): Authentication {
    const auth = parseAuthorization(header(req.headers, 'authorization'));
    if (auth.service !== this.service) throw invalid(`the credential scope names service "${auth.service}"; sign for "${this.service}"`);
    const amzDate = header(req.headers, 'x-amz-date');
    if (!/^\d{8}T\d{6}Z$/.test(amzDate)) throw invalid('x-amz-date is missing or not of the form YYYYMMDDThhmmssZ');
    if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-amz-date')) throw invalid('SignedHeaders must include host and x-amz-date');
    if (amzDate.slice(0, 8) !== auth.date) throw invalid('the credential scope date is not the date of x-amz-date');
    const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
    if (Math.abs(this.now() - signedAt) > MAX_SKEW_MS) throw invalid('Signature expired: the request date is more than 15 minutes from the server time');
    const claimed = req.headers['x-amz-content-sha256'];
    if (claimed === 'UNSIGNED-PAYLOAD') throw invalid('unsigned payloads are not accepted');
    if (claimed !== undefined && (typeof claimed !== 'string' || !/^[0-9a-f]{64}$/.test(claimed))) throw invalid('x-amz-content-sha256 is not the hex SHA-256 of the body');

    // unknown, revoked, expired and pre-SigV4 keys get the wrong signature's answer
    const found = this.secrets.signingSecret(auth.accessKeyId);
    if (!found?.secret) throw mismatch();
    const signingKey = this.signingKey(auth.accessKeyId, found.secret, auth);
    const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
    const check = (bodyHash: string) => {
      const stringToSign = `${ALGORITHM}\n${amzDate}\n${scope}\n${sha256Hex(canonicalRequest(req, auth.signedHeaders, bodyHash))}`;
      const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
      const given = Buffer.from(auth.signature, 'hex');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw mismatch();
    };
    if (claimed !== undefined) {
      check(claimed);
      return {
        key: found.key,
        finish: (body) => {
          if (createHash('sha256').update(body).digest('hex') !== claimed) throw invalid('the body does not match its x-amz-content-sha256');
        },
      };
    }
    return { key: found.key, finish: (body) => check(createHash('sha256').update(body).digest('hex')) };
  }

  private signingKey(id: string, secret: string, a: ParsedAuthorization): Buffer {
    const cacheKey = `${id}/${a.date}/${a.region}/${a.service}`;
    const hit = this.derived.get(cacheKey);
    if (hit && hit.secret === secret) return hit.key;
    const key = deriveSigningKey(secret, a.date, a.region, a.service);
    if (this.derived.size > 1000) this.derived.clear();
    this.derived.set(cacheKey, { secret, key });
    return key;
  }
}

export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secret}`, date);
  return hmac(hmac(hmac(kDate, region), service), 'aws4_request');
}

export function canonicalRequest(req: RequestHead, signedHeaders: string[], payloadHash: string): string {
  const q = req.url.indexOf('?');
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  const rawQuery = q === -1 ? '' : req.url.slice(q + 1);
  const headers = signedHeaders.map((name) => `${name}:${header(req.headers, name).trim().replace(/\s+/g, ' ')}`);
  return [req.method.toUpperCase(), canonicalPath(rawPath), canonicalQuery(rawQuery), ...headers, '', signedHeaders.join(';'), payloadHash].join('\n');
}

/** The signers normalise the (already encoded) path and escape it once more. */
export function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const s of rawPath.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') segments.pop();
    else segments.push(s);
  }
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

export function canonicalQuery(rawQuery: string): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    const [k, v] = eq === -1 ? [p, ''] : [p.slice(0, eq), p.slice(eq + 1)];
    return [escapeUri(decodeOrKeep(k)), escapeUri(decodeOrKeep(v))] as const;
  }).filter(([k]) => k.toLowerCase() !== 'x-amz-signature');
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export function escapeUri(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function parseAuthorization(value: string): ParsedAuthorization {
  if (!value.startsWith(`${ALGORITHM} `)) throw invalid(`the Authorization header is not ${ALGORITHM}`);
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = (fields.get('Credential') ?? '').split('/');
  const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';').filter(Boolean);
  const signature = fields.get('Signature') ?? '';
  if (credential.length !== 5 || credential[4] !== 'aws4_request' || !credential[0] || !/^\d{8}$/.test(credential[1]!)) {
    throw invalid('the Credential is not <access key id>/<yyyymmdd>/<region>/<service>/aws4_request');
  }
  if (!signedHeaders.length || signedHeaders.some((h) => h !== h.toLowerCase())) throw invalid('SignedHeaders is missing or not lower-case');
  if (!/^[0-9a-f]{64}$/.test(signature)) throw invalid('Signature is not 64 hex digits');
  return { accessKeyId: credential[0], date: credential[1]!, region: credential[2]!, service: credential[3]!, signedHeaders, signature };
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v ?? '';
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function invalid(message: string): SkyscaleError {
  return new SkyscaleError('InvalidSignature', message);
}

/** One answer for a wrong signature and for a key id that names no active key. */
function mismatch(): SkyscaleError {
  return invalid('The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
}
