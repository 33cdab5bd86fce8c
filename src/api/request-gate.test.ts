// Nothing is read before authentication, and no connection is held by a slow client,
// on a served app (a real port, the fake sandbox driver): many parallel large POSTs
// without valid credentials, to the Lambda API, the native API and an AWS_IAM function
// URL (and to no route), are answered 401/403 (404) from their headers and their
// connections closed, while the server's memory stays flat; a body or headers sent slowly are cut off with 408; an
// idle keep-alive connection is closed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { ADMIN_KEY, startTestApp, type TestApp } from '../../test/fakes/app.js';

let t: TestApp;
let port: number;
before(async () => {
  t = await startTestApp({ SKYSCALE_REQUEST_TIMEOUT_SECONDS: '1', SKYSCALE_HEADERS_TIMEOUT_SECONDS: '1', SKYSCALE_KEEP_ALIVE_TIMEOUT_SECONDS: '1' });
  await t.deploy('fx');
  const url = await t.request('POST', '/2021-10-31/functions/fx/url', { AuthType: 'AWS_IAM' });
  assert.equal(url.statusCode, 201);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as net.AddressInfo).port;
});
after(async () => { await t?.close(); });

const MB = 1024 * 1024;
const BODY_MB = 20;
/** one megabyte, written again and again: the clients hold no more than this */
const CHUNK = Buffer.alloc(MB, 0x61);

/** A SigV4 header naming a key id that does not exist, dated now. */
function forgedSigV4(): Record<string, string> {
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return {
    'x-amz-date': amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=nosuchkey/${amzDate.slice(0, 8)}/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  };
}

/** POSTs (or PUTs) a 20 MB body with backpressure until the server answers; resolves with the status once the connection is closed. */
function largeRequest(method: string, path: string, headers: Record<string, string>): Promise<{ status: number | null; sentMb: number }> {
  return new Promise((resolve) => {
    let sentMb = 0;
    let status: number | null = null;
    let closed = false;
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false, headers: { 'content-type': 'application/json', 'content-length': String(BODY_MB * MB), ...headers } });
    req.on('response', (res) => {
      status = res.statusCode ?? null;
      res.resume();
      res.on('end', () => req.destroy());
    });
    req.on('error', () => {});
    req.on('close', () => {
      closed = true;
      resolve({ status, sentMb });
    });
    const pump = () => {
      while (!closed && status === null && sentMb < BODY_MB) {
        sentMb++;
        if (!req.write(CHUNK)) {
          req.once('drain', pump);
          return;
        }
      }
      if (sentMb >= BODY_MB && !closed) req.end();
    };
    pump();
  });
}

test(`${BODY_MB} MB bodies without valid credentials, 60 at once, are answered from their headers while the server's memory stays flat`, async (ctx) => {
  const cases: [string, string, Record<string, string>, number][] = [
    // the Lambda API: CreateFunction and UpdateFunctionCode take 70 MB bodies, Invoke 6 MB
    ['POST', '/2015-03-31/functions', {}, 401],
    ['PUT', '/2015-03-31/functions/fx/code', forgedSigV4(), 403],
    ['POST', '/2015-03-31/functions/fx/invocations', { authorization: `Bearer ${ADMIN_KEY.split('.')[0]}.wrong-secret` }, 401],
    ['POST', '/2015-03-31/functions/fx/invocations', forgedSigV4(), 403],
    // the native API: a code upload takes 250 MB
    ['POST', '/v1/functions/fx/versions', {}, 401],
    ['POST', '/v1/functions/fx/invocations', { authorization: 'Bearer nosuch.key' }, 401],
    // an AWS_IAM function URL
    ['POST', '/fn/fx/upload', {}, 401],
    ['POST', '/fn/fx/upload', forgedSigV4(), 403],
    // no route at all, under a Lambda date prefix and outside every surface
    ['POST', '/2015-03-31/layers', {}, 404],
    ['PUT', '/uploads/big', {}, 404],
  ];
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 2);
  let results: { status: number | null; sentMb: number; expected: number; what: string }[];
  try {
    results = await Promise.all(Array.from({ length: 60 }, (_, i) => {
      const [method, path, headers, expected] = cases[i % cases.length]!;
      return largeRequest(method, path, headers).then((r) => ({ ...r, expected, what: `${method} ${path}` }));
    }));
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, process.memoryUsage().rss);
  for (const r of results) assert.equal(r.status, r.expected, r.what);
  const growthMb = (peak - baseline) / MB;
  const sent = results.map((r) => r.sentMb);
  ctx.diagnostic(`RSS ${(baseline / MB).toFixed(0)} MB before, peak ${(peak / MB).toFixed(0)} MB: +${growthMb.toFixed(1)} MB for ${results.length} × ${BODY_MB} MB offered; clients got their answer after sending ${Math.min(...sent)}-${Math.max(...sent)} MB each`);
  assert.ok(growthMb < 100, `the server's memory grew by ${growthMb.toFixed(0)} MB`);
  assert.ok(sent.every((n) => n < BODY_MB), 'every client was answered, and its connection closed, before it had sent its whole body');
});

/** A raw connection that sends `head`, then one more byte every `everyMs` until the server closes it; resolves with what the server answered and how many bytes were sent. */
function trickle(head: string, everyMs: number): Promise<{ answer: string; trickled: number }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let trickled = 0;
    socket.on('data', (d) => { answer += d.toString('latin1'); });
    socket.on('error', () => {});
    socket.write(head);
    const timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) {
        socket.write('a');
        trickled++;
      }
    }, everyMs);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ answer, trickled });
    });
  });
}

test('a slowly sent body is cut off: 408 and the connection closed, the body never complete', async () => {
  const { answer, trickled } = await trickle(
    `POST /v1/functions/fx/invocations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":"`, 50);
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.ok(trickled < 100000);
});

test('headers sent slowly are cut off too', async () => {
  const { answer } = await trickle('GET /v1/functions HTTP/1.1\r\nHost: x\r\nX-Slow: ', 50);
  assert.ok(answer === '' || /^HTTP\/1\.1 408 /.test(answer), answer);
});

test('an idle keep-alive connection is closed by the server', async () => {
  const answer = await new Promise<string>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (d) => { got += d.toString('latin1'); });
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
    socket.write(`GET /v1/functions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n\r\n`);
  });
  assert.match(answer, /^HTTP\/1\.1 200 /);
  assert.match(answer, /keep-alive/i, 'the connection was kept open after the answer, until it sat idle');
});
