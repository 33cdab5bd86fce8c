// Webhook destinations under the one egress policy, and the deliverer's retries: a
// host resolving to the loopback, the metadata address or a private address is refused
// (a private one sent once an allow entry names it), the connection goes to the address
// checked, a redirect is not followed, and a webhook that keeps failing is retried with
// backoff and then dead-lettered while other deliveries go through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { eventually } from '../../test/fakes/eventually.js';
import { EgressPolicy } from '../model/egress-policy.js';
import { parseCidr } from '../model/ip-address.js';
import { openDatabase } from '../store/database.js';
import { DeliveriesTable } from '../store/deliveries-table.js';
import { Deliverer } from './deliverer.js';
import { PolicedWebhookSender, WebhookError, webhookPolicy, type WebhookSender } from './webhook.js';

const log = pino({ level: 'silent' });
const fakeDns = (answers: Record<string, string[]>) => {
  const asked: string[] = [];
  return { asked, resolve: async (host: string) => { asked.push(host); if (!answers[host]) throw new Error('ENOTFOUND'); return answers[host]!; } };
};

test('a webhook host resolving to the loopback, the metadata address or a private address is refused before any connection; an allow entry opens a private one', async () => {
  const dns = fakeDns({ 'loop.example': ['127.0.0.1'], 'meta.example': ['169.254.169.254'], 'lan.example': ['10.1.2.3'], 'mixed.example': ['93.184.216.34', '192.168.1.9'] });
  const sender = new PolicedWebhookSender({ policy: await webhookPolicy([], dns.resolve, []), resolve: dns.resolve, timeoutMs: 1000 });
  const refusal = async (url: string) => {
    const err = await sender.post(url, '{}').then(() => null, (e: unknown) => e);
    assert.ok(err instanceof WebhookError, `${url} is refused`);
    assert.equal(err.retryable, false, 'a refused address is not retried');
    return err.message;
  };
  assert.match(await refusal('http://loop.example/h'), /^refused by the egress policy: loop\.example: 127\.0\.0\.1 is in 127\.0\.0\.0\/8 \(loopback\)/);
  assert.match(await refusal('https://meta.example/latest'), /169\.254\.169\.254 is in 169\.254\.0\.0\/16 \(link-local/);
  assert.match(await refusal('http://lan.example:8080/h'), /10\.1\.2\.3 is in 10\.0\.0\.0\/8 \(private\) and no allow entry names it/);
  assert.match(await refusal('http://mixed.example/h'), /192\.168\.1\.9 is in 192\.168\.0\.0\/16/, 'every address a name resolves to is checked');
  assert.match(await refusal('http://169.254.169.254/latest/meta-data'), /link-local/);
  assert.match(await refusal('http://[::1]:8080/'), /loopback/);
  const allowed = await webhookPolicy(['10.1.2.0/24:8080'], dns.resolve, []);
  assert.deepEqual(await allowed.checkHost('lan.example', 8080, dns.resolve), { allowed: true, addresses: ['10.1.2.3'] });
  assert.equal((await allowed.checkHost('lan.example', 8081, dns.resolve)).allowed, false, 'only the port allowed');
  assert.equal((await allowed.checkHost('loop.example', 8080, dns.resolve)).allowed, false);
  const walled = await webhookPolicy(['10.0.0.0/8'], dns.resolve, [{ range: parseCidr('10.1.2.3/32')!, why: 'an address of this host (the control plane)' }]);
  assert.match(String((await walled.checkHost('lan.example', 80, dns.resolve) as { reason: string }).reason), /the control plane/, "the host's own addresses stay walled whatever is allowed");
  await assert.rejects(webhookPolicy(['127.0.0.1'], dns.resolve, []), /can never be allowed/);
});

/** A local HTTP server, reached through a policy stub that answers with the address checked (the real policy refuses the loopback). */
async function withServer(answer: (req: IncomingMessage, body: string) => { status: number; headers?: Record<string, string> }, fn: (url: string, seen: { path: string; body: string; host: string }[], policy: { checks: string[]; checkHost: EgressPolicy['checkHost'] }) => Promise<void>) {
  const seen: { path: string; body: string; host: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ path: req.url!, body, host: req.headers.host! });
      const a = answer(req, body);
      res.writeHead(a.status, a.headers).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const checks: string[] = [];
  const policy = { checks, checkHost: async (host: string) => (checks.push(host), { allowed: true as const, addresses: ['127.0.0.1'] }) };
  try {
    await fn(`http://hooks.example:${port}`, seen, policy);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

test('the record is POSTed as JSON to the address checked (the name is not looked up again); a redirect, even to the loopback, is not followed', async () => {
  await withServer((req) => (req.url === '/moved' ? { status: 302, headers: { location: 'http://127.0.0.1:1/admin' } } : { status: 204 }), async (base, seen, policy) => {
    const sender = new PolicedWebhookSender({ policy: policy as unknown as EgressPolicy, resolve: async () => { throw new Error('no second look-up'); }, timeoutMs: 2000 });
    await sender.post(`${base}/hook?x=1`, '{"version":"1.0"}');
    assert.deepEqual(seen, [{ path: '/hook?x=1', body: '{"version":"1.0"}', host: base.slice('http://'.length) }]);
    const err = await sender.post(`${base}/moved`, '{}').then(() => null, (e: unknown) => e as WebhookError);
    assert.ok(err instanceof WebhookError);
    assert.match(err.message, /answered 302 \(to http:\/\/127\.0\.0\.1:1\/admin\): redirects are not followed/);
    assert.equal(err.retryable, false);
    assert.deepEqual(seen.map((s) => s.path), ['/hook?x=1', '/moved'], 'nothing was sent where the redirect pointed');
    assert.deepEqual(policy.checks, ['hooks.example', 'hooks.example']);
  });
  await withServer(() => ({ status: 503 }), async (base, _seen, policy) => {
    const sender = new PolicedWebhookSender({ policy: policy as unknown as EgressPolicy, timeoutMs: 2000 });
    const err = await sender.post(`${base}/down`, '{}').then(() => null, (e: unknown) => e as WebhookError);
    assert.match(err!.message, /answered 503$/);
    assert.equal(err!.retryable, true, 'a server error is retried');
  });
});

test('a webhook that keeps failing is retried with backoff and then dead-lettered, while another delivery goes through meanwhile', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-deliver-'));
  const db = openDatabase(join(dir, 'd.db'));
  try {
    const table = new DeliveriesTable(db);
    const record = (id: string) => JSON.stringify({ version: '1.0', requestContext: { requestId: id } });
    table.addFollowUp({ id: 'down-1', functionName: 'f', qualifier: null, payload: Buffer.from('{"a":1}') }, { kind: 'delivery', condition: 'RetriesExhausted', destination: 'https://down.example/h', record: record('down-1'), reason: null }, new Date().toISOString());
    const calls: { url: string; at: number }[] = [];
    let upSent = 0;
    const webhooks: WebhookSender = {
      post: async (url) => {
        calls.push({ url, at: Date.now() });
        if (url.includes('down')) throw new WebhookError(`${url} answered 503`, true);
        upSent++;
      },
    };
    const d = new Deliverer({ table, functions: { get: () => ({}), resolve: () => ({}) }, accept: async () => 'x', webhooks, webhookAttempts: 3, retryBaseMs: 40, concurrency: 4, log });
    d.start();
    await eventually(() => calls.length >= 1, 'the first attempt');
    table.addFollowUp({ id: 'up-1', functionName: 'f', qualifier: null, payload: Buffer.from('{}') }, { kind: 'delivery', condition: 'Success', destination: 'https://up.example/h', record: record('up-1'), reason: null }, new Date().toISOString());
    d.wake();
    await eventually(() => upSent === 1, 'the other delivery to go through while the first waits to retry');
    assert.ok(calls.filter((c) => c.url.includes('down')).length < 3, 'before the failing webhook has used up its attempts');
    await eventually(() => table.deadLetters('f', 10).length === 1, 'the failing delivery to be dead-lettered');
    const downs = calls.filter((c) => c.url.includes('down'));
    assert.equal(downs.length, 3, 'three attempts');
    assert.ok(downs[2]!.at - downs[1]!.at >= downs[1]!.at - downs[0]!.at - 5, 'each wait at least as long as the one before (backoff)');
    const [dl] = table.deadLetters('f', 10);
    assert.equal(dl!.eventId, 'down-1');
    assert.equal(dl!.destination, 'https://down.example/h');
    assert.equal(dl!.payload.toString(), '{"a":1}', 'the original payload is kept for redrive');
    assert.equal(dl!.reason, 'the destination https://down.example/h failed 3 times; the last: https://down.example/h answered 503');
    assert.deepEqual(table.forEvent('down-1').map((x) => [x.state, x.attempts]), [['dead', 3]]);
    assert.deepEqual(table.forEvent('up-1').map((x) => [x.state, x.attempts]), [['delivered', 1]]);
    d.close();
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
