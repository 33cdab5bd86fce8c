// Function URLs through inject(): the HTTP request becomes the payload 2.0 event the
// function gets, the result becomes the response; auth per URL config; credentials
// never reach the function; unknown and deleted URLs are 404.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { ADMIN_KEY, startTestApp, type TestApp } from '../../../test/fakes/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  await t.deploy('web');
  await t.request('PUT', '/v1/functions/web/aliases/live', { version: 1 });
  for (const [qualifier, authType] of [['', 'NONE'], ['live', 'AWS_IAM']]) {
    const res = await t.request('POST', `/2021-10-31/functions/web/url${qualifier ? `?Qualifier=${qualifier}` : ''}`, { AuthType: authType });
    assert.equal(res.statusCode, 201, res.body);
  }
});
after(async () => { await t?.close(); });

/** The function answers what it was given (the fake sandboxes echo): the response body is the event. */
const call = (url: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}) =>
  t.app.inject({ method: (opts.method ?? 'GET') as 'GET', url, headers: opts.headers ?? {}, ...(opts.body !== undefined ? { payload: opts.body } : {}) });

test('a JSON body, query string, headers and cookies become the event', async () => {
  const res = await call('/fn/web/items/7?a=1&a=2&b=x%20y', {
    method: 'POST', headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'x-custom': 'k' }, body: JSON.stringify({ name: 'Ada' }),
  });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'] as string, /^application\/json/);
  assert.ok(res.headers['x-amzn-requestid']);
  const event = res.json();
  assert.equal(event.version, '2.0');
  assert.equal(event.routeKey, '$default');
  assert.equal(event.rawPath, '/items/7');
  assert.equal(event.rawQueryString, 'a=1&a=2&b=x%20y');
  assert.deepEqual(event.queryStringParameters, { a: '1,2', b: 'x y' });
  assert.deepEqual(event.cookies, ['c1=v1', 'c2=v2']);
  assert.equal(event.headers['x-custom'], 'k');
  assert.equal(event.headers.cookie, undefined);
  assert.equal(event.requestContext.http.method, 'POST');
  assert.equal(event.requestContext.http.path, '/items/7');
  assert.equal(event.requestContext.apiId, 'web');
  assert.equal(event.requestContext.authorizer, undefined, 'a public URL names no caller');
  assert.equal(event.isBase64Encoded, false);
  assert.deepEqual(JSON.parse(event.body), { name: 'Ada' });
  assert.equal((await call('/fn/web')).json().rawPath, '/', 'the bare URL is the path /');
});

test('a binary body arrives base64-encoded', async () => {
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const event = (await call('/fn/web/binary', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes })).json();
  assert.equal(event.isBase64Encoded, true);
  assert.deepEqual(Buffer.from(event.body, 'base64'), bytes);
});

test("the function's statusCode, headers, cookies and base64 body become the response; a string is text; an error is 502", async () => {
  t.driver.handler = ({ event }) => {
    const path = JSON.parse(event.toString()).rawPath;
    if (path === '/text') return { payload: JSON.stringify('hi there') };
    if (path === '/fail') return { status: 'error', payload: JSON.stringify({ errorType: 'RuntimeError', errorMessage: 'boom' }) };
    return {
      payload: JSON.stringify({
        statusCode: 201, headers: { 'x-echo': 'yes', 'content-type': 'application/octet-stream' }, cookies: ['session=abc; Path=/', 'theme=dark'],
        isBase64Encoded: true, body: Buffer.from([0, 1, 2, 255]).toString('base64'),
      }),
    };
  };
  try {
    const shaped = await call('/fn/web/shaped');
    assert.equal(shaped.statusCode, 201);
    assert.equal(shaped.headers['x-echo'], 'yes');
    assert.deepEqual(shaped.headers['set-cookie'], ['session=abc; Path=/', 'theme=dark']);
    assert.deepEqual(shaped.rawPayload, Buffer.from([0, 1, 2, 255]));
    const text = await call('/fn/web/text');
    assert.equal(text.statusCode, 200);
    assert.match(text.headers['content-type'] as string, /^text\/plain/);
    assert.equal(text.body, 'hi there');
    const failed = await call('/fn/web/fail');
    assert.equal(failed.statusCode, 502);
    assert.equal(failed.headers['x-amzn-errortype'], 'FunctionError');
  } finally {
    t.driver.handler = null;
  }
});

test('an AWS_IAM URL takes a Skyscale key and names the caller; no key or a wrong one is 401', async () => {
  const anonymous = await call('/fn/web:live/plain');
  assert.equal(anonymous.statusCode, 401);
  assert.equal(anonymous.headers['x-amzn-errortype'], 'UnrecognizedClientException');
  assert.ok(anonymous.json().Message);
  assert.equal((await call('/fn/web:live/plain', { headers: { authorization: 'Bearer testadmin.wrongwrongwrongwrongwrong' } })).statusCode, 401);
  const keyed = await call('/fn/web:live/plain', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: '{}' });
  assert.equal(keyed.statusCode, 200);
  assert.ok(!keyed.body.includes(ADMIN_KEY.split('.')[1]!), 'the secret is nowhere in the event');
  const event = keyed.json();
  assert.equal(event.headers.authorization, undefined);
  assert.equal(event.requestContext.authorizer.iam.accessKey, ADMIN_KEY.split('.')[0]);
  assert.equal(event.requestContext.apiId, 'web:live');
});

test('a platform key sent to a public URL is dropped; the URL\'s own scheme passes through', async () => {
  const open = await call('/fn/web/echo', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: '{}' });
  assert.ok(!open.body.includes(ADMIN_KEY.split('.')[1]!));
  const own = (await call('/fn/web/echo', { method: 'POST', headers: { authorization: 'Bearer my.own.jwt' }, body: '{}' })).json();
  assert.equal(own.headers.authorization, 'Bearer my.own.jwt');
});

test('unknown functions, aliases without a URL, and deleted URLs are 404 in Lambda\'s words', async () => {
  const missing = await call('/fn/nothing/here');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().Message, 'The resource you requested does not exist.');
  assert.equal((await call('/fn/web:other/')).statusCode, 404);
  await t.deploy('shortlived');
  await t.request('POST', '/2021-10-31/functions/shortlived/url', { AuthType: 'NONE' });
  assert.equal((await call('/fn/shortlived/')).statusCode, 200);
  assert.equal((await t.request('DELETE', '/2021-10-31/functions/shortlived/url')).statusCode, 204);
  assert.equal((await call('/fn/shortlived/')).statusCode, 404, 'a deleted URL config stops answering at once');
});

test('a body over 6 MB is 413 in the function-URL shape', async () => {
  const res = await call('/fn/web/big', { method: 'POST', body: Buffer.alloc(6 * 1024 * 1024 + 1) });
  assert.equal(res.statusCode, 413);
  assert.equal(res.headers['x-amzn-errortype'], 'RequestTooLargeException');
  assert.ok(res.json().Message);
});

test("hop-by-hop headers a function sets are dropped and Content-Length is the server's, on a real connection", async () => {
  t.driver.handler = () => ({
    payload: JSON.stringify({
      statusCode: 200, body: 'hello world',
      headers: {
        'Transfer-Encoding': 'chunked', 'Content-Length': '5', Connection: 'close, x-private', 'Keep-Alive': 'timeout=1', Upgrade: 'websocket',
        'Proxy-Authenticate': 'Basic', 'Proxy-Connection': 'keep-alive', TE: 'trailers', Trailer: 'x-checksum', 'X-Private': 'hop', 'X-Kept': 'end-to-end',
      },
    }),
  });
  const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const raw = await rawExchange(new URL(address), 'GET /fn/web/hop HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const [head, body] = [raw.slice(0, raw.indexOf('\r\n\r\n')), raw.slice(raw.indexOf('\r\n\r\n') + 4)];
    const headers = head.split('\r\n').slice(1).map((l) => l.slice(0, l.indexOf(':')).toLowerCase());
    assert.match(head, /^HTTP\/1\.1 200/);
    for (const gone of ['transfer-encoding', 'upgrade', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'x-private']) {
      assert.ok(!headers.includes(gone), `${gone} is not passed on: ${head}`);
    }
    assert.equal(headers.filter((h) => h === 'content-length').length, 1);
    assert.match(head, /\r\ncontent-length: 11(\r\n|$)/i);
    assert.doesNotMatch(head, /\r\nconnection: close/i, "the function does not close the client's connection");
    assert.doesNotMatch(head, /timeout=1/);
    assert.match(head, /\r\nx-kept: end-to-end/i);
    assert.equal(body, 'hello world');
  } finally {
    t.driver.handler = null;
    await t.app.server.close();
  }
});

/** Sends raw bytes and returns what came back until the response's body is complete (or the server closed). */
function rawExchange(url: URL, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(request));
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => {
      data += c;
      const split = data.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(data.slice(0, split));
      if (split !== -1 && length && data.length - split - 4 >= Number(length[1])) { socket.destroy(); resolve(data); }
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}
