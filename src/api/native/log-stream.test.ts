// GET /v1/functions/{name}/logs/stream on a real listening app (the fake driver's
// sandboxes stream `log` frames as the agent does): a running invocation's output
// arrives before it ends, then the rest and the end, each byte once; a cut log says
// so; nobody following means no streaming asked of the agent; a client that goes away
// leaves nothing behind; a client that does not read is dropped with a note; a server
// that closes ends its streams.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import Fastify from 'fastify';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { LiveLogs } from '../../observe/live-logs.js';
import { logStreamRoutes } from './log-stream.js';

let t: TestApp;
let base: string;
before(async () => {
  t = await startTestApp();
  await t.deploy('live');
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => { await t?.close(); });

interface Event { event: string; data: Record<string, unknown> }

/** Follows a function's stream; events as they arrive, and a way to stop. */
async function follow(name: string) {
  const ac = new AbortController();
  const res = await fetch(`${base}/v1/functions/${name}/logs/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: ac.signal });
  const events: Event[] = [];
  const done = (async () => {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body!) {
        buf += decoder.decode(chunk as Uint8Array, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
        }
      }
    } catch {
      // aborted
    }
  })();
  await eventually(async () => events.some((e) => e.event === 'ready'), 'the stream is ready');
  return { res, events, stop: () => ac.abort(), done };
}

const invoke = (name: string) => t.request('POST', `/v1/functions/${name}/invocations`, '{}', { 'content-type': 'application/json' });

test('a running invocation\'s first line arrives before it ends; then the rest once and its end', async () => {
  let release!: () => void;
  const hold = new Promise<void>((r) => { release = r; });
  t.driver.handler = () => ({ streamed: ['first\n'], log: 'first\nsecond\n', hold });
  const s = await follow('live');
  assert.equal(s.res.status, 200);
  assert.match(s.res.headers.get('content-type') ?? '', /^text\/event-stream/);
  let ended = false;
  const call = invoke('live').then((r) => { ended = true; return r; });
  await eventually(async () => s.events.some((e) => e.event === 'log'), 'the first line');
  assert.equal(ended, false, 'the invocation is still running');
  assert.deepEqual(s.events.filter((e) => e.event === 'log').map((e) => e.data.text), ['first\n']);
  release();
  const res = await call;
  const id = res.headers['x-skyscale-request-id'];
  await eventually(async () => s.events.some((e) => e.event === 'end'), 'the end');
  const mine = s.events.filter((e) => e.data.id === id);
  assert.deepEqual(mine.map((e) => e.event), ['log', 'log', 'end']);
  assert.equal(mine.filter((e) => e.event === 'log').map((e) => e.data.text).join(''), 'first\nsecond\n');
  assert.equal(mine[2]!.data.status, 'success');
  assert.equal(typeof mine[2]!.data.durationMs, 'number');
  assert.equal(mine[2]!.data.logTruncated, false);
  // the record is as without a stream: the whole log
  assert.equal((await t.request('GET', `/v1/invocations/${id}`)).json().invocation.log, 'first\nsecond\n');
  s.stop();
  await s.done;
  t.driver.handler = null;
});

test('a short invocation\'s log comes whole at its end; a cut log says so', async () => {
  const s = await follow('live');
  t.driver.handler = () => ({ log: 'quick\n' });
  await invoke('live');
  t.driver.handler = () => ({ streamed: ['x'.repeat(10)], dropped: 5, log: `${'x'.repeat(10)}\n[skyscale] log truncated: 5 bytes dropped\n` });
  await invoke('live');
  await eventually(async () => s.events.filter((e) => e.event === 'end').length === 2, 'two ends');
  const [quick, cut] = s.events.filter((e) => e.event === 'end').map((e) => s.events.filter((x) => x.data.id === e.data.id));
  assert.deepEqual(quick!.map((e) => [e.event, e.data.text ?? e.data.status]), [['log', 'quick\n'], ['end', 'success']]);
  assert.deepEqual(cut!.map((e) => e.event), ['log', 'cut', 'log', 'end']);
  assert.equal(cut![1]!.data.dropped, 5);
  assert.match(String(cut![1]!.data.message), /size limit/);
  assert.equal(cut![2]!.data.text, '\n[skyscale] log truncated: 5 bytes dropped\n');
  assert.equal(cut![3]!.data.logTruncated, (await t.request('GET', `/v1/invocations/${String(cut![3]!.data.id)}`)).json().invocation.logTruncated);
  s.stop();
  await s.done;
  t.driver.handler = null;
});

test('nobody following: the agent is not asked to stream; a client that goes away leaves nothing following', async () => {
  const live = t.services.liveLogs;
  await eventually(async () => live.count() === 0, 'the earlier tests\' followers are gone');
  const s = await follow('live');
  assert.equal(live.count('live'), 1);
  await invoke('live');
  const sandbox = t.driver.live().find((x) => x.invokes.length > 0)!;
  assert.equal(sandbox.invokes.at(-1)!.logStream, true);
  s.stop();
  await s.done;
  await eventually(async () => live.count() === 0, 'the follower is gone');
  await invoke('live');
  assert.equal(sandbox.invokes.at(-1)!.logStream, false);
});

test('an unknown function is 404, no key is 401; a key limited to another function is refused', async () => {
  assert.equal((await t.request('GET', '/v1/functions/nope/logs/stream')).statusCode, 404);
  assert.equal((await fetch(`${base}/v1/functions/live/logs/stream`)).status, 401);
  const other = (await t.request('POST', '/v1/keys', { role: 'viewer', functions: ['other'] })).json().secret as string;
  const res = await fetch(`${base}/v1/functions/live/logs/stream`, { headers: { authorization: `Bearer ${other}` } });
  assert.equal(res.status, 403);
  assert.equal(t.services.liveLogs.count(), 0);
});

test('a client that does not read is dropped with a note, and the server holds only its bound for it', async () => {
  const live = new LiveLogs();
  const app = Fastify();
  app.decorateRequest('skyscale', null);
  await app.register(logStreamRoutes({ registry: { get: () => ({}) } as never, liveLogs: live }, { bufferBytes: 64 * 1024 }), { prefix: '/v1' });
  const url = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
  try {
    const socket = connect(Number(url.port), '127.0.0.1');
    let head = '';
    let paused = false;
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (!paused && head.includes('event: ready')) { paused = true; socket.pause(); }
    });
    socket.write('GET /v1/functions/slow/logs/stream HTTP/1.1\r\nhost: x\r\n\r\n');
    await eventually(async () => live.count('slow') === 1, 'following');
    await eventually(async () => head.includes('event: ready'), 'ready');
    const tap = live.open('slow', 'r-1')!;
    const line = `${'y'.repeat(1023)}\n`;
    // far more than the socket's buffers and the bound together
    for (let i = 0; i < 64 * 1024 && live.count('slow') > 0; i++) tap.text(line);
    assert.equal(live.count('slow'), 0, 'dropped');
    socket.resume();
    await eventually(async () => head.includes('event: dropped'), 'the note');
    assert.match(head, /read too slowly/);
    socket.destroy();
  } finally {
    await app.close();
  }
});

test('a server that closes ends its open streams', async () => {
  const live = new LiveLogs();
  const app = Fastify();
  app.decorateRequest('skyscale', null);
  await app.register(logStreamRoutes({ registry: { get: () => ({}) } as never, liveLogs: live }), { prefix: '/v1' });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const res = await fetch(`${url}/v1/functions/f/logs/stream`);
  const body = res.text();
  await eventually(async () => live.count('f') === 1, 'following');
  await app.close();
  assert.match(await body, /event: ready/);
  assert.equal(live.count(), 0);
});
