import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialHeaders, httpEvent, httpResponse, type HttpRequestIn } from './function-url-event.js';
import { splitUrl } from './plugin.js';

const base: HttpRequestIn = {
  method: 'GET', rawPath: '/', rawQueryString: '', headers: [], body: Buffer.alloc(0), sourceIp: '127.0.0.1', requestId: 'r1',
  domainName: 'localhost:8080', apiId: 'web', protocol: 'HTTP/1.1', now: new Date('2026-03-02T04:05:06.789Z'),
};

test('an HTTP request becomes a payload 2.0 event', () => {
  const e = httpEvent({
    ...base, method: 'POST', rawPath: '/a/b%20c', rawQueryString: 'x=1&x=2&y=%C3%A9',
    headers: [['Content-Type', 'application/json'], ['Cookie', 'a=1; b=2'], ['X-Many', 'one'], ['x-many', 'two'], ['User-Agent', 'ua']],
    body: Buffer.from('{"k":1}'),
  }) as any;
  assert.equal(e.version, '2.0');
  assert.equal(e.rawPath, '/a/b%20c');
  assert.deepEqual(e.cookies, ['a=1', 'b=2']);
  assert.deepEqual(e.headers, { 'content-type': 'application/json', 'x-many': 'one,two', 'user-agent': 'ua' });
  assert.deepEqual(e.queryStringParameters, { x: '1,2', y: 'é' });
  assert.deepEqual(e.requestContext.http, { method: 'POST', path: '/a/b c', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'ua' });
  assert.equal(e.requestContext.time, '02/Mar/2026:04:05:06 +0000');
  assert.equal(e.requestContext.timeEpoch, Date.parse('2026-03-02T04:05:06.789Z'));
  assert.equal(e.body, '{"k":1}');
  assert.equal(e.isBase64Encoded, false);
});

test('binary bodies (by content type or invalid UTF-8) are base64; no body, no query: fields left out', () => {
  const bin = httpEvent({ ...base, headers: [['content-type', 'image/png']], body: Buffer.from('PNG') }) as any;
  assert.equal(bin.isBase64Encoded, true);
  assert.equal(bin.body, Buffer.from('PNG').toString('base64'));
  const bad = httpEvent({ ...base, headers: [['content-type', 'text/plain']], body: Buffer.from([0xff, 0xfe]) }) as any;
  assert.equal(bad.isBase64Encoded, true);
  const empty = httpEvent(base) as any;
  assert.equal(empty.body, undefined);
  assert.equal(empty.queryStringParameters, undefined);
  assert.equal(empty.cookies, undefined);
  assert.equal(empty.isBase64Encoded, false);
});

test('results map back to HTTP responses', () => {
  const full = httpResponse(Buffer.from(JSON.stringify({ statusCode: 404, headers: { 'X-A': 1 }, cookies: ['a=1', 'b=2'], body: 'nope' })));
  assert.deepEqual({ ...full, body: full.body.toString() }, { statusCode: 404, headers: { 'x-a': '1', 'content-type': 'application/json' }, cookies: ['a=1', 'b=2'], body: 'nope' });
  const b64 = httpResponse(Buffer.from(JSON.stringify({ statusCode: 200, isBase64Encoded: true, body: Buffer.from([1, 2, 3]).toString('base64') })));
  assert.deepEqual([...b64.body], [1, 2, 3]);
  const dict = httpResponse(Buffer.from('{"a":1}'));
  assert.deepEqual([dict.statusCode, dict.headers['content-type'], dict.body.toString()], [200, 'application/json', '{"a":1}']);
  const str = httpResponse(Buffer.from('"hello"'));
  assert.deepEqual([str.statusCode, str.headers['content-type'], str.body.toString()], [200, 'text/plain; charset=utf-8', 'hello']);
  assert.equal(httpResponse(Buffer.from('{"statusCode":"abc"}')).statusCode, 502);
  assert.equal(httpResponse(Buffer.from('[1,2]')).body.toString(), '[1,2]');
});

test('a function URL path names the function, an optional alias and the rest of the path', () => {
  assert.deepEqual(splitUrl('/fn/web'), { target: 'web', rawPath: '/', rawQueryString: '' });
  assert.deepEqual(splitUrl('/fn/web:live/a/b?x=1'), { target: 'web:live', rawPath: '/a/b', rawQueryString: 'x=1' });
  assert.deepEqual(splitUrl('/fn/web%3Alive/'), { target: 'web:live', rawPath: '/', rawQueryString: '' });
});

test('credentials never reach the event: the checked key on AWS_IAM URLs, SigV4 and platform keys on any URL', () => {
  const isKey = (k: string) => k === 'abc123.secret';
  const iam = httpEvent({
    ...base, caller: { keyId: 'abc123' }, isCredential: credentialHeaders('AWS_IAM', isKey),
    headers: [['Authorization', 'Bearer abc123.secret'], ['X-Amz-Security-Token', 't'], ['x-keep', 'yes']],
  }) as any;
  assert.deepEqual(iam.headers, { 'x-keep': 'yes' });
  assert.equal(iam.requestContext.authorizer.iam.accessKey, 'abc123');
  assert.equal(iam.requestContext.accountId, '000000000000');

  const open = (authorization: string) => (httpEvent({ ...base, isCredential: credentialHeaders('NONE', isKey), headers: [['authorization', authorization]] }) as any);
  assert.equal(open('Bearer abc123.secret').headers.authorization, undefined, 'a platform key sent to a public URL is dropped');
  assert.equal(open('AWS4-HMAC-SHA256 Credential=abc123/20260302/local/lambda/aws4_request, SignedHeaders=host, Signature=00').headers.authorization, undefined);
  assert.equal(open('Bearer eyJhbGciOi.eyJzdWIi.sig').headers.authorization, 'Bearer eyJhbGciOi.eyJzdWIi.sig', "the function's own scheme passes through");
  assert.equal(open('Bearer eyJhbGciOi.eyJzdWIi.sig').requestContext.authorizer, undefined);
});

test('hop-by-hop headers are dropped from a result; a header or cookie that cannot be sent, or a 1xx status, is a 502', () => {
  const r = httpResponse(Buffer.from(JSON.stringify({
    statusCode: 200, body: 'x',
    headers: { 'Transfer-Encoding': 'chunked', 'Content-Length': '99', Connection: 'keep-alive, X-Hop', 'x-hop': '1', 'Proxy-Authorization': 'a', TE: 'trailers', 'X-Kept': 'k' },
  })));
  assert.deepEqual(r.headers, { 'x-kept': 'k', 'content-type': 'application/json' });
  const split = (headers: unknown, cookies?: unknown) => httpResponse(Buffer.from(JSON.stringify({ statusCode: 200, headers, ...(cookies ? { cookies } : {}) }))).statusCode;
  assert.equal(split({ 'x-a': 'one\r\nset-cookie: evil=1' }), 502);
  assert.equal(split({ 'bad name': 'v' }), 502);
  assert.equal(split({}, ['ok=1\r\nx-injected: 1']), 502);
  assert.equal(split({ 'x-a': 'fine' }), 200);
  assert.equal(httpResponse(Buffer.from('{"statusCode":101,"headers":{"upgrade":"websocket"}}')).statusCode, 502);
});
