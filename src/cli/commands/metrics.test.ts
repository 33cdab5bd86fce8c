// skyscale metrics, run in process against a served test app: a function's totals,
// sparklines and table; the node's view without a name; --json is the API's object; a
// bad --since is refused before any request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { runCli } from '../main.js';
import { sparkline } from './metrics.js';

let t: TestApp;
let endpoint: string;
before(async () => {
  t = await startTestApp();
  endpoint = await t.app.listen({ port: 0, host: '127.0.0.1' });
  await t.deploy('charted');
  t.driver.handler = () => ({ durationMs: 25, maxRssKb: 51200, cpuMs: 4 });
  for (let i = 0; i < 3; i++) await t.request('POST', '/v1/functions/charted/invocations', '{}', { 'content-type': 'application/json' });
  t.driver.handler = null;
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

test('skyscale metrics --name: totals, a sparkline of invocations and of p99, a row per busy step', async () => {
  const r = await cli(['metrics', '--name', 'charted', '--since', '30m', '--step', '5m']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^charted: last 30m in 5m steps/);
  assert.match(r.out, /3 invocations, 0 errors \(0\.0 %\), 0 throttled, 1 cold starts/);
  assert.match(r.out, /p99 25\.\d ms/);
  assert.match(r.out, /peak 50\.0 MB; CPU 12\.0 ms/);
  assert.match(r.out, /^invocations {2}[▁-█]+█ {2}max 3$/m, 'the last step is the tallest bar');
  assert.match(r.out, /^p99 {10}\s*█ {2}max 2\d\.\d ms$/m, 'steps without invocations leave gaps');
  assert.match(r.out, /STEP \(UTC\) +CALLS/);
});

test('skyscale metrics without a name shows every function and the node; --json prints the API object', async () => {
  const r = await cli(['metrics']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^all functions: last 1h in 1m steps/);
  assert.match(r.out, /node now: 0 running, 0 waiting/);
  const j = await cli(['metrics', '--name', 'charted', '--json']);
  const s = JSON.parse(j.out);
  assert.equal(s.function, 'charted');
  assert.equal(s.totals.invocations, 3);
  assert.ok(Array.isArray(s.points));
});

test('a bad --since is refused; a bad --step is the API\'s ValidationError', async () => {
  const since = await cli(['metrics', '--since', 'yesterday']);
  assert.equal(since.code, 1);
  assert.match(since.err, /--since must be/);
  const step = await cli(['metrics', '--name', 'charted', '--step', '7s']);
  assert.equal(step.code, 1);
  assert.match(step.err, /step: "7s" is not a step/);
});

test('sparklines scale to the largest value and leave gaps for missing ones', () => {
  assert.equal(sparkline([0, 1, 2, null, 4]), '▁▃▅ █');
  assert.equal(sparkline([0, 0]), '▁▁');
});
