// The durable queue against real servers and real sandboxes: a burst of asynchronous
// invocations, the server killed with SIGKILL in the middle of it and started again on
// the same data dir, and every event that got a 202 accounted for (each ran to
// success exactly once as recorded, none that had finished ran again); a function that
// fails its first attempt is retried under the same request id. The restarted server
// removes the sandboxes the killed one left; the test checks that nothing of either
// run is left once the second has stopped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, eventually, testSandbox, zipFiles } from './harness.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-async-'));
const env = {
  SKYSCALE_DATA_DIR: dataDir, SKYSCALE_ADMIN_KEY: ADMIN_KEY, SKYSCALE_SANDBOX: testSandbox(), SKYSCALE_WARM_POOL_SIZE: '1',
  SKYSCALE_ASYNC_RETRY_BASE_MS: '200', SKYSCALE_KEY_RATE: '0',
};
let server: ServerProcess | null = null;

interface Attempt { attempt: number; outcome: string; startedAt: string }
interface AsyncView { id: string; state: string; attempts: Attempt[]; reason: string | null }

async function api(method: string, path: string, body?: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) {
  const res = await fetch(`${server!.url}${path}`, { method, headers: { ...AUTH, ...headers }, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function deploy(name: string, code: string): Promise<void> {
  const res = await api('POST', `/v1/functions/${name}/versions`, new Uint8Array(await zipFiles({ 'handler.py': code })) as Uint8Array<ArrayBuffer>, {
    'content-type': 'application/zip', 'skyscale-settings': JSON.stringify({ handler: 'handler.handler', network: 'none' }),
  });
  assert.equal(res.status, 201, res.text);
}

const show = async (id: string): Promise<AsyncView> => JSON.parse((await api('GET', `/v1/invocations/${id}`)).text).async as AsyncView;

/** Processes whose command line names the data dir: sandboxes (or their runsc) of either run. */
function processesOfDataDir(): string[] {
  return execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(dataDir) && !l.includes(' ps '));
}

before(async () => {
  server = await startServerProcess(env);
});

after(async () => {
  // a killed server's sandboxes are removed by the next start on its data dir: make sure one ran
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  } else {
    const cleaner = await startServerProcess(env).catch(() => null);
    if (cleaner) {
      cleaner.child.kill('SIGTERM');
      await cleaner.exited;
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('a server killed with SIGKILL mid-burst runs, after a restart, every event it answered 202 for: each succeeded exactly once as recorded', async () => {
  await deploy('tally', 'import time\n\ndef handler(event, context):\n    time.sleep(0.02)\n    return {"n": event["n"]}\n');
  // warm, so that events finish while the burst is still coming
  assert.equal((await api('POST', '/v1/functions/tally/invocations', JSON.stringify({ n: -1 }), { 'content-type': 'application/json' })).status, 200);
  const accepted: string[] = [];
  let next = 0;
  let killed = false;
  let firstFinished = false;
  const TOTAL = 3000;
  const KILL_AFTER = 150;
  const watcher = (async () => {
    while (!killed && !firstFinished) {
      if (accepted.length) firstFinished = (await show(accepted[0]!).catch(() => null))?.state === 'succeeded';
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < TOTAL && !killed) {
      const n = next++;
      try {
        const res = await api('POST', '/v1/functions/tally/invocations?async=true', JSON.stringify({ n }), { 'content-type': 'application/json' });
        if (res.status === 202) accepted.push(res.headers.get('x-skyscale-request-id')!);
        else assert.fail(`event ${n}: ${res.status} ${res.text}`);
      } catch (err) {
        if (!killed) throw err; // a request cut off by the kill got no 202: it is not owed
      }
      // killed mid-burst, once events have begun to finish
      if (accepted.length >= KILL_AFTER && firstFinished && !killed) {
        killed = true;
        server!.child.kill('SIGKILL');
      }
    }
  }));
  const killedMidBurst = killed;
  killed = true;
  await watcher;
  assert.ok(killedMidBurst, `no event had finished by the ${TOTAL}th accepted: the server was not killed`);
  assert.equal(await server!.exited, 'SIGKILL');
  const acceptedBeforeKill = accepted.length;
  assert.ok(acceptedBeforeKill >= KILL_AFTER);

  const restartedAt = new Date().toISOString();
  server = await startServerProcess(env);
  const views = await eventually(async () => {
    const all = await Promise.all(accepted.map(show));
    return all.every((v) => v && ['succeeded', 'failed', 'expired'].includes(v.state)) ? all : null;
  }, `all ${accepted.length} accepted events to finish after the restart`, 240_000, 500);

  const notSucceeded = views.filter((v) => v.state !== 'succeeded');
  assert.deepEqual(notSucceeded.map((v) => [v.id, v.state, v.reason]), [], 'every accepted event succeeded');
  for (const v of views) {
    const successes = v.attempts.filter((a) => a.outcome === 'success');
    assert.equal(successes.length, 1, `${v.id} succeeded once: ${JSON.stringify(v.attempts)}`);
    assert.ok(v.attempts.slice(0, -1).every((a) => a.outcome === 'interrupted' || a.outcome === 'throttled'), `${v.id}: only interruptions before its success`);
  }
  const ranAfterRestart = views.filter((v) => v.attempts.at(-1)!.startedAt >= restartedAt).length;
  assert.ok(ranAfterRestart > 0, 'the restarted server had accepted events left to run');
  const ranBefore = views.length - ranAfterRestart;
  assert.ok(ranBefore > 0, 'some events had finished before the kill (and were not run again)');
});

test('a function error is retried under the same request id, and the event then succeeds', async () => {
  await deploy('second_time', [
    'seen = {}', '',
    'def handler(event, context):',
    '    n = seen.get(context.aws_request_id, 0) + 1',
    '    seen[context.aws_request_id] = n',
    '    if n == 1:',
    '        raise ValueError("the first attempt fails")',
    '    return {"attempt": n}', '',
  ].join('\n'));
  const res = await api('POST', '/v1/functions/second_time/invocations?async=true', '{}', { 'content-type': 'application/json' });
  assert.equal(res.status, 202);
  const id = JSON.parse(res.text).requestId as string;
  const v = await eventually(async () => {
    const s = await show(id);
    return s.state === 'succeeded' || s.state === 'failed' ? s : null;
  }, 'the event to finish', 120_000, 200);
  assert.equal(v.state, 'succeeded', JSON.stringify(v));
  assert.deepEqual(v.attempts.map((a) => a.outcome), ['error', 'success']);
  const first = JSON.parse((await api('GET', `/v1/invocations/${id}.1`)).text).invocation;
  assert.deepEqual([first.status, first.errorType, first.errorMessage], ['error', 'ValueError', 'the first attempt fails']);
});

test('once the restarted server has stopped, no process of either run is left', async () => {
  server!.child.kill('SIGTERM');
  await server!.exited;
  await eventually(() => processesOfDataDir().length === 0, 'the sandboxes of both runs to be gone', 30_000, 200)
    .catch(() => assert.fail(`left behind:\n${processesOfDataDir().join('\n')}`));
  server = null;
});
