// skyscale invoke --async and skyscale invocation, run in process against a served test
// app on the fake driver: the id printed, the state and attempts shown (and as JSON),
// a failed event's exit code and reason, a synchronous invocation's record.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, eventually, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { runCli } from '../main.js';

let t: TestApp;
let endpoint: string;
before(async () => {
  t = await startTestApp({ SKYSCALE_ASYNC_RETRY_BASE_MS: '10' });
  endpoint = await t.app.listen({ port: 0, host: '127.0.0.1' });
  await t.deploy('echo');
  await t.deploy('broken');
  t.driver.handler = ({ functionName }) => (functionName === 'broken' ? { status: 'error', payload: JSON.stringify({ errorType: 'Broken', errorMessage: 'always' }) } : {});
});
after(async () => { await t?.close(); });

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    env: { HOME: t.dataDir, SKYSCALE_ENDPOINT: endpoint, SKYSCALE_API_KEY: ADMIN_KEY },
    out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; }, readStdin: async () => Buffer.alloc(0),
  });
  return { code, out, err };
}

test('invoke --async prints the request id; invocation ID shows it succeeded with its attempt, and --json the API\'s view', async () => {
  const queued = await cli(['invoke', '--name', 'echo', '--payload', '{"a":1}', '--async']);
  assert.equal(queued.code, 0, queued.err);
  const id = queued.out.trim();
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.match(queued.err, new RegExp(`skyscale invocation ${id}`));
  await eventually(() => t.services.asyncInvocations.get(id)?.event.state === 'succeeded', 'the event to run');
  const shown = await cli(['invocation', id]);
  assert.equal(shown.code, 0);
  assert.match(shown.out, new RegExp(`^${id}  echo \\(asynchronous\\): succeeded`));
  assert.match(shown.out, new RegExp(`#1 .* success .* ${id}\\.1`));
  const json = JSON.parse((await cli(['invocation', id, '--json'])).out);
  assert.deepEqual([json.id, json.state, json.attempts.length], [id, 'succeeded', 1]);
  const asJson = JSON.parse((await cli(['invoke', '--name', 'echo', '--async', '--json'])).out);
  assert.equal(asJson.state, 'queued');
});

test('a failed event exits 1 and shows why, each attempt with its error type', async () => {
  const id = (await cli(['invoke', '--name', 'broken', '--async'])).out.trim();
  await eventually(() => t.services.asyncInvocations.get(id)?.event.state === 'failed', 'the event to fail');
  const shown = await cli(['invocation', id]);
  assert.equal(shown.code, 1);
  assert.match(shown.out, /: failed\n/);
  assert.match(shown.out, /reason: RetriesExhausted: 3 attempts failed; the last: Broken: always/);
  assert.equal(shown.out.match(/ error +Broken /g)?.length, 3);
});

test('invocation shows a synchronous invocation\'s record; an unknown id is an error with the API\'s words', async () => {
  const sync = JSON.parse((await cli(['invoke', '--name', 'echo', '--json'])).out);
  const shown = await eventually(async () => {
    const r = await cli(['invocation', sync.requestId]);
    return r.code === 0 ? r : null;
  }, 'the record to be written');
  assert.match(shown.out, new RegExp(`^${sync.requestId}  echo version 1: success`));
  const missing = await cli(['invocation', 'no-such-id']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no invocation with id "no-such-id"/);
  assert.equal((await cli(['invocation'])).code, 1);
});

test('info shows the retry and age settings of the function\'s asynchronous invocations', async () => {
  assert.match((await cli(['info', '--name', 'echo'])).out, /async\s+2 retries, events kept 21600 s/);
  assert.equal((await t.request('PUT', '/v1/functions/echo', { async: { maxRetryAttempts: 0, maxEventAgeSeconds: 600 } })).statusCode, 200);
  assert.match((await cli(['info', '--name', 'echo'])).out, /async\s+0 retries, events kept 600 s/);
});

test('pool counts the asynchronous invocations per state', async () => {
  // once every event accepted above has finished
  const counted = await eventually(async () => /asynchronous invocations: 0 queued, 0 running, 0 retrying; kept: (\d+) succeeded, 1 failed, 0 expired/.exec((await cli(['pool'])).out),
    'every event to have finished');
  assert.ok(Number(counted[1]) >= 2, counted[0]);
});
