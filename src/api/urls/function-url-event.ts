// Function URLs speak API Gateway's HTTP API payload 2.0: an HTTP request becomes the
// event a handler receives, and the handler's result becomes the HTTP response. Pure
// functions, so both directions are unit-tested without a server.
import { ACCOUNT_ID } from '../../model/names.js';
import { decodeOrKeep } from '../../uri.js';

export interface HttpRequestIn {
  method: string;
  /** the path after /fn/{name}, as received (still percent-encoded), starting with "/" */
  rawPath: string;
  /** the query string as received, without "?" */
  rawQueryString: string;
  /** name/value pairs as received (Node's rawHeaders, paired up) */
  headers: [string, string][];
  body: Buffer;
  sourceIp: string;
  requestId: string;
  /** the host the client used */
  domainName: string;
  /** stands in for the API id: the function name and alias */
  apiId: string;
  protocol: string;
  now: Date;
  /** the API key that authenticated the caller (AuthType AWS_IAM), shown as Lambda shows an IAM caller */
  caller?: { keyId: string };
  /** true for a header value the platform must not pass on: a caller's credential */
  isCredential?: (name: string, value: string) => boolean;
}

export interface HttpResponseOut {
  statusCode: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

/**
 * Headers that describe one connection, not the response (RFC 9110 §7.6.1), and
 * Content-Length, which the server computes from the body it sends: a function
 * setting them could desynchronise the connection (Transfer-Encoding beside a
 * Content-Length) or close or upgrade the client's connection.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'content-length']);
/** RFC 9110 token characters, and field values without CR, LF or NUL. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

const TEXT_TYPES = /^(text\/|application\/(json|javascript|xml|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Credentials never reach a function: the `Authorization` header the platform checked
 * for an AWS_IAM URL, and on any URL a SigV4 signature or a Bearer value naming one of
 * the platform's own API keys (a public URL's own schemes, such as a JWT, pass through).
 */
export function credentialHeaders(authType: 'NONE' | 'AWS_IAM', isApiKey: (bearer: string) => boolean): (name: string, value: string) => boolean {
  return (name, value) => {
    if (name === 'x-amz-security-token') return true;
    if (name !== 'authorization') return false;
    if (authType === 'AWS_IAM' || value.startsWith('AWS4-HMAC-SHA256 ')) return true;
    const bearer = /^Bearer\s+(\S+)$/i.exec(value);
    return bearer !== null && isApiKey(bearer[1]!);
  };
}

export function httpEvent(r: HttpRequestIn): Record<string, unknown> {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [rawName, value] of r.headers) {
    const name = rawName.toLowerCase();
    if (r.isCredential?.(name, value)) continue;
    if (name === 'cookie') cookies.push(...value.split(';').map((c) => c.trim()).filter(Boolean));
    else headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(r.rawQueryString)) query[k] = k in query ? `${query[k]},${v}` : v;
  const hasBody = r.body.length > 0;
  const text = hasBody && isText(headers['content-type'], r.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: r.rawPath,
    rawQueryString: r.rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: r.caller ? ACCOUNT_ID : 'anonymous',
      apiId: r.apiId,
      ...(r.caller ? { authorizer: { iam: iamCaller(r.caller.keyId) } } : {}),
      domainName: r.domainName,
      domainPrefix: r.domainName.split('.')[0]!.split(':')[0],
      http: { method: r.method, path: decodeOrKeep(r.rawPath), protocol: r.protocol, sourceIp: r.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: r.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(r.now),
      timeEpoch: r.now.getTime(),
    },
    ...(hasBody ? { body: text ? r.body.toString('utf8') : r.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
}

/**
 * The handler's result as an HTTP response: an object with statusCode is taken as
 * {statusCode, headers, cookies, body, isBase64Encoded} (without hop-by-hop headers;
 * a 1xx status or a header that cannot be sent is a 502); a string is a 200 text
 * response; any other JSON is a 200 JSON response of exactly that JSON.
 */
export function httpResponse(payload: Buffer): HttpResponseOut {
  let result: unknown;
  try {
    result = JSON.parse(payload.toString('utf8'));
  } catch {
    return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, cookies: [], body: payload };
  }
  if (typeof result === 'string') return { statusCode: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, cookies: [], body: Buffer.from(result) };
  if (typeof result !== 'object' || result === null || Array.isArray(result) || !('statusCode' in result)) {
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, cookies: [], body: payload };
  }
  const r = result as { statusCode: unknown; headers?: unknown; cookies?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return badGateway('the function returned an invalid statusCode');
  if (status < 200) return badGateway('the function returned an informational statusCode');
  const headers = responseHeaders(r.headers);
  if (headers === null) return badGateway('the function returned an invalid header');
  headers['content-type'] ??= 'application/json';
  const cookies = Array.isArray(r.cookies) ? r.cookies.map(String) : [];
  if (!cookies.every((c) => HEADER_VALUE.test(c))) return badGateway('the function returned an invalid cookie');
  const bodyText = r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const body = r.isBase64Encoded === true ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText);
  return { statusCode: status, headers, cookies, body };
}

/**
 * The end-to-end headers of a function's result, lower-cased: hop-by-hop ones (and
 * any the function's own Connection header names) dropped; null when a name or value
 * could not be sent as it is (not a token, or a CR, LF or NUL in it).
 */
function responseHeaders(given: unknown): Record<string, string> | null {
  const headers: Record<string, string> = {};
  if (!given || typeof given !== 'object') return headers;
  const entries = Object.entries(given as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k.toLowerCase(), String(v)] as const);
  const named = new Set(entries.filter(([k]) => k === 'connection').flatMap(([, v]) => v.split(',').map((t) => t.trim().toLowerCase())));
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) return null;
    if (HOP_BY_HOP.has(name) || name.startsWith('proxy-') || named.has(name)) continue;
    headers[name] = value;
  }
  return headers;
}

export function badGateway(message = 'Internal Server Error'): HttpResponseOut {
  return { statusCode: 502, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'FunctionError' }, cookies: [], body: Buffer.from(JSON.stringify({ Message: message })) };
}

/** requestContext.authorizer.iam as Lambda fills it for an IAM-authenticated caller; the key id stands for the access key. */
function iamCaller(keyId: string): Record<string, unknown> {
  return { accessKey: keyId, accountId: ACCOUNT_ID, callerId: keyId, cognitoIdentity: null, principalOrgId: null, userArn: `arn:aws:iam::${ACCOUNT_ID}:user/${keyId}`, userId: keyId };
}

function isText(contentType: string | undefined, body: Buffer): boolean {
  if (contentType !== undefined && !TEXT_TYPES.test(contentType)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(body);
    return true;
  } catch {
    return false;
  }
}

/** 02/Mar/2026:12:00:00 +0000 */
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
