// Live logs on real sandboxes: a handler prints a line, sleeps a second and prints
// another; the first line arrives on GET /v1/functions/{name}/logs/stream while the
// invocation still runs, the second after it, each once, then the end with the
// invocation's id and status; the record keeps the whole log. Python and Node.js; and
// `skyscale logs --follow` prints the first line while the invocation runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { repoPath } from '../src/paths.js';
import { ADMIN_KEY, eventually, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server?.stop(); });

const PYTHON = `import time


def handler(event, context):
    print("first line")
    time.sleep(1)
    print("second line")
    return {"ok": True}
`;

const NODE = `exports.handler = async () => {
  console.log("first line");
  await new Promise((r) => setTimeout(r, 1000));
  console.log("second line");
  return { ok: true };
};
`;

interface Seen { event: string; data: Record<string, unknown>; at: number }

async function follow(name: string) {
  const ac = new AbortController();
  const res = await fetch(`${server.url}/v1/functions/${name}/logs/stream`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: ac.signal });
  assert.equal(res.status, 200);
  const seen: Seen[] = [];
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
          if (event && data) seen.push({ event, data: JSON.parse(data), at: Date.now() });
        }
      }
    } catch {
      // aborted
    }
  })();
  await eventually(async () => seen.some((e) => e.event === 'ready'), 'the stream is ready');
  return { seen, stop: async () => { ac.abort(); await done; } };
}

for (const [runtime, file, code] of [['python3.11', 'handler.py', PYTHON], ['nodejs22.x', 'index.js', NODE]] as const) {
  test(`${runtime}: the first line arrives on the stream before the invocation ends`, async () => {
    const name = `live_${runtime.replace(/\W/g, '')}`;
    await server.deploy(name, { [file]: code }, { runtime, handler: file === 'index.js' ? 'index.handler' : 'handler.handler', timeout: 30 });
    const s = await follow(name);
    try {
      let endedAt = 0;
      const call = server.invoke(name).then((r) => { endedAt = Date.now(); return r; });
      await eventually(async () => s.seen.some((e) => e.event === 'log' && String(e.data.text).includes('first line')), 'the first line', 120_000, 20);
      const res = await call;
      assert.equal(res.status, 200, res.body.toString());
      const id = res.headers.get('x-skyscale-request-id');
      await eventually(async () => s.seen.some((e) => e.event === 'end' && e.data.id === id), 'the end', 30_000);
      const mine = s.seen.filter((e) => e.data.id === id);
      const first = mine.find((e) => e.event === 'log' && String(e.data.text).includes('first line'))!;
      assert.ok(first.at < endedAt, 'the first line came while the invocation ran');
      assert.equal(String(first.data.text).includes('second line'), false, 'alone, before the second');
      const text = mine.filter((e) => e.event === 'log').map((e) => e.data.text).join('');
      const record = (await server.api('GET', `/v1/invocations/${id}`)).json().invocation;
      assert.equal(text, record.log, 'the stream carried the log once, as recorded');
      assert.match(record.log, /first line\n[^]*second line\n/);
      const end = mine.at(-1)!;
      assert.equal(end.event, 'end');
      assert.equal(end.data.status, 'success');
      assert.ok(Number(end.data.durationMs) >= 1000);
    } finally {
      await s.stop();
    }
  });
}

test('skyscale logs --follow prints the first line while the invocation runs, each line once', async () => {
  const name = 'live_cli';
  await server.deploy(name, { 'handler.py': PYTHON }, { timeout: 30 });
  assert.equal((await server.invoke(name)).status, 200); // history to start from
  const child = spawn(repoPath('bin/skyscale'), ['logs', '--name', name, '--follow', '--limit', '1'], {
    env: { PATH: process.env.PATH, HOME: server.dataDir, SKYSCALE_ENDPOINT: server.url, SKYSCALE_API_KEY: ADMIN_KEY },
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  try {
    await eventually(async () => out.includes('second line'), 'the history', 30_000);
    // the CLI follows the stream once an invocation shows as running (not only read from the pages)
    await eventually(async () => {
      const probe = (await server.invoke(name)).headers.get('x-skyscale-request-id')!;
      // a probe that ran before the CLI's stream was open may never be printed: send another
      const printed = await eventually(async () => out.includes(`── ${probe} success`), 'the probe printed', 10_000).then(() => true, () => false);
      return printed && out.includes(`${probe} running\n`);
    }, 'the CLI following the stream', 120_000, 100);
    const before = out.length;
    let endedAt = 0;
    let firstAt = 0;
    const call = server.invoke(name).then((r) => { endedAt = Date.now(); return r; });
    await eventually(async () => { if (out.slice(before).includes('first line')) firstAt ||= Date.now(); return firstAt > 0; }, 'the first line', 60_000, 20);
    const res = await call;
    const id = res.headers.get('x-skyscale-request-id')!;
    await eventually(async () => out.includes(`── ${id} success`), 'the end', 30_000);
    assert.ok(firstAt < endedAt, 'printed while the invocation ran');
    const live = out.slice(before);
    assert.equal(live.split('first line').length - 1, 1, live);
    assert.equal(live.split('second line').length - 1, 1, live);
  } finally {
    child.kill('SIGINT');
  }
});
