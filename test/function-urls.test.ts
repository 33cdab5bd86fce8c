// Function URLs with real HTTP: a JSON body, a binary body, query strings and cookies
// become an HTTP API payload 2.0 event; the handler's statusCode/headers/cookies/body
// (or a plain dict or string) come back as the HTTP response. Auth per URL config.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  await s.deploy('web', { 'handler.py': HANDLER });
  await s.api('PUT', '/v1/functions/web/aliases/live', { version: 1 });
  await urlConfig('web', '', 'NONE');
  await urlConfig('web', 'live', 'AWS_IAM');
});
after(async () => { await s?.stop(); });

const HANDLER = `
import base64, json

def handler(event, context):
    path = event["rawPath"]
    if path == "/plain":
        return {"hello": "world"}
    if path == "/text":
        return "hi there"
    if path == "/fail":
        raise RuntimeError("boom")
    if path == "/binary":
        data = base64.b64decode(event["body"]) if event.get("isBase64Encoded") else event.get("body", "").encode()
        return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"}, "isBase64Encoded": True,
                "body": base64.b64encode(bytes(reversed(data))).decode()}
    return {"statusCode": 201, "headers": {"x-echo": "yes", "content-type": "application/json"},
            "cookies": ["session=abc; Path=/", "theme=dark"], "body": json.dumps(event)}
`;

async function urlConfig(fn: string, qualifier: string, authType: string): Promise<void> {
  const res = await s.api('POST', `/2021-10-31/functions/${fn}/url${qualifier ? `?Qualifier=${qualifier}` : ''}`, { AuthType: authType });
  assert.equal(res.status, 201, res.body.toString());
}

test('a JSON body, query string and cookies become the event; statusCode, headers and cookies come back', async () => {
  const res = await fetch(`${s.url}/fn/web/items/7?a=1&a=2&b=x%20y`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie: 'c1=v1; c2=v2', 'x-custom': 'k' }, body: JSON.stringify({ name: 'Ada' }),
  });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('x-echo'), 'yes');
  assert.deepEqual(res.headers.getSetCookie(), ['session=abc; Path=/', 'theme=dark']);
  const event = await res.json();
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
  assert.equal(event.requestContext.stage, '$default');
  assert.equal(event.isBase64Encoded, false);
  assert.deepEqual(JSON.parse(event.body), { name: 'Ada' });
});

test('a binary body arrives base64-encoded and a base64 response goes back as bytes', async () => {
  const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const res = await fetch(`${s.url}/fn/web/binary`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), Uint8Array.from({ length: 256 }, (_, i) => 255 - i));
});

test('a plain dict is a 200 JSON response, a string a 200 text response, a handler error a 502', async () => {
  const plain = await fetch(`${s.url}/fn/web/plain`);
  assert.equal(plain.status, 200);
  assert.match(plain.headers.get('content-type')!, /^application\/json/);
  assert.deepEqual(await plain.json(), { hello: 'world' });
  const text = await fetch(`${s.url}/fn/web/text`);
  assert.equal(text.status, 200);
  assert.match(text.headers.get('content-type')!, /^text\/plain/);
  assert.equal(await text.text(), 'hi there');
  const failed = await fetch(`${s.url}/fn/web/fail`);
  assert.equal(failed.status, 502);
});

test('an alias URL with AWS_IAM auth takes a Skyscale key; unknown URLs are 404', async () => {
  const anonymous = await fetch(`${s.url}/fn/web:live/plain`);
  assert.equal(anonymous.status, 401);
  const keyed = await fetch(`${s.url}/fn/web:live/plain`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  assert.equal(keyed.status, 200);
  assert.deepEqual(await keyed.json(), { hello: 'world' });
  const missing = await fetch(`${s.url}/fn/nothing/here`);
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).Message, 'The resource you requested does not exist.');
  assert.equal((await fetch(`${s.url}/fn/web:other/`)).status, 404);
  const wrong = await fetch(`${s.url}/fn/web:live/plain`, { headers: { authorization: 'Bearer testadmin.wrongwrongwrongwrongwrong' } });
  assert.equal(wrong.status, 401, 'a wrong key is refused');
});

test('no caller credential reaches the function: not the key an AWS_IAM URL checked, not a platform key sent to a public URL', async () => {
  const keyed = await fetch(`${s.url}/fn/web:live/echo`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: '{}' });
  assert.equal(keyed.status, 201);
  const text = await keyed.text();
  assert.ok(!text.includes(ADMIN_KEY.split('.')[1]!), 'the secret is nowhere in the event');
  const event = JSON.parse(text);
  assert.equal(event.headers.authorization, undefined);
  assert.equal(event.requestContext.authorizer.iam.accessKey, ADMIN_KEY.split('.')[0]);

  const open = await (await fetch(`${s.url}/fn/web/echo`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: '{}' })).text();
  assert.ok(!open.includes(ADMIN_KEY.split('.')[1]!), 'a platform key sent to a public URL is dropped too');
  const own = await (await fetch(`${s.url}/fn/web/echo`, { method: 'POST', headers: { authorization: 'Bearer my.own.jwt' }, body: '{}' })).json();
  assert.equal(own.headers.authorization, 'Bearer my.own.jwt', "a public URL's own scheme passes through");
});

test('a deleted URL config stops answering at once', async () => {
  await s.deploy('shortlived', { 'handler.py': 'def handler(e, c):\n    return "up"\n' });
  await urlConfig('shortlived', '', 'NONE');
  assert.equal(await (await fetch(`${s.url}/fn/shortlived/`)).text(), 'up');
  assert.equal((await s.api('DELETE', '/2021-10-31/functions/shortlived/url')).status, 204);
  assert.equal((await fetch(`${s.url}/fn/shortlived/`)).status, 404);
});
