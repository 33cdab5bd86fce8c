// Metrics through the API with inject(): /metrics open to loopback clients and keyed
// from elsewhere, its counters moving with invocations (cold starts by start kind,
// throttles), a deleted function's series gone; the rollup series of a function and of
// the node, and a bad range refused naming its field; the record's start and CPU time.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestApp, type TestApp } from '../../../test/fakes/app.js';

let t: TestApp;
let viewer: string;
let invoker: string;
before(async () => {
  t = await startTestApp({ SKYSCALE_QUEUE_WAIT_MS: '0' });
  viewer = t.services.keys.create({ role: 'viewer' }).secret;
  invoker = t.services.keys.create({ role: 'invoker' }).secret;
  await t.deploy('busy');
});
after(async () => { await t?.close(); });

const REMOTE = '198.51.100.7';
const invoke = (name: string, event: unknown = {}) => t.request('POST', `/v1/functions/${name}/invocations`, JSON.stringify(event), { 'content-type': 'application/json' });
const scrape = async () => {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200, res.body);
  return res.body;
};
/** the value of one series in the exposition text, 0 when absent */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

test('/metrics needs no key from loopback; from another host a key that may read metrics (not an invoker)', async () => {
  const local = await t.app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(local.statusCode, 200);
  assert.match(local.headers['content-type'] as string, /^text\/plain; version=0\.0\.4/);
  assert.match(local.body, /^skyscale_build_info\{version="[^"]+",driver="process"\} 1$/m);
  assert.match(local.body, /^process_resident_memory_bytes \d+/m, 'the process metrics are there');
  const remote = (key?: string) => t.app.inject({ method: 'GET', url: '/metrics', remoteAddress: REMOTE, headers: key ? { authorization: `Bearer ${key}` } : {} });
  const anonymous = await remote();
  assert.equal(anonymous.statusCode, 401);
  assert.equal((await remote(invoker)).statusCode, 403);
  assert.equal((await remote(viewer)).statusCode, 200);
});

test('invocations, durations and cold starts by start kind move with invocations; the record carries start, CPU and peak memory', async () => {
  await t.deploy('counted');
  t.driver.handler = () => ({ cpuMs: 7.5, maxRssKb: 65536, durationMs: 12 });
  try {
    const first = await invoke('counted');
    assert.equal(first.headers['x-skyscale-start'], 'boot');
    await invoke('counted');
    t.driver.handler = () => ({ status: 'error', payload: '{"errorType":"ValueError","errorMessage":"no"}', cpuMs: 1 });
    await invoke('counted');
    const text = await scrape();
    assert.equal(value(text, 'skyscale_invocations_total{function="counted",version="1",outcome="success"}'), 2);
    assert.equal(value(text, 'skyscale_invocations_total{function="counted",version="1",outcome="error"}'), 1);
    assert.equal(value(text, 'skyscale_cold_starts_total{function="counted",start_kind="boot"}'), 1);
    assert.ok(text.includes('skyscale_cold_starts_total{function="counted",start_kind="pool"} 0'), 'the other start kind is there, at 0');
    assert.equal(value(text, 'skyscale_invocation_duration_seconds_count{function="counted"}'), 3);
    assert.equal(value(text, 'skyscale_invocation_duration_seconds_bucket{le="0.025",function="counted"}'), 3, 'two took 12 ms, one 0.1 ms');
    assert.equal(value(text, 'skyscale_invocation_duration_seconds_bucket{le="0.01",function="counted"}'), 1);
    assert.equal(value(text, 'skyscale_invocation_init_duration_seconds_count{function="counted",start_kind="boot"}'), 1);
    assert.equal(value(text, 'skyscale_invocation_cpu_seconds_total{function="counted"}'), 0.016);
    const kept = value(text, 'skyscale_warm_instances{state="idle"}') + value(text, 'skyscale_warm_instances{state="frozen"}');
    assert.equal(kept, 1, 'counted has one instance, idle (frozen once idle long enough)');
    assert.equal(value(text, 'skyscale_invocations_in_flight'), 0);

    const record = (await t.request('GET', `/v1/invocations/${first.headers['x-skyscale-request-id']}`)).json().invocation;
    assert.equal(record.start, 'boot');
    assert.equal(record.cold, true);
    assert.equal(record.cpuMs, 7.5);
    assert.equal(record.maxMemoryKb, 65536);
  } finally {
    t.driver.handler = null;
  }
});

test('invocations refused for concurrency count as throttles, in /metrics and in the rollups', async () => {
  await t.deploy('narrow');
  t.services.registry.setReservedConcurrency('narrow', 1);
  t.driver.bootMs = 100;
  try {
    const [a, b] = await Promise.all([invoke('narrow'), invoke('narrow')]);
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 429]);
  } finally {
    t.driver.bootMs = 0;
  }
  assert.equal(value(await scrape(), 'skyscale_throttles_total{function="narrow"}'), 1);
  const series = (await t.request('GET', '/v1/functions/narrow/metrics?step=1h')).json();
  assert.equal(series.totals.throttles, 1);
  assert.equal(series.totals.invocations, 1);
});

test("a deleted function's series leave /metrics", async () => {
  await t.deploy('doomed');
  await invoke('doomed');
  assert.match(await scrape(), /function="doomed"/);
  assert.equal((await t.request('DELETE', '/v1/functions/doomed')).statusCode, 204);
  assert.doesNotMatch(await scrape(), /function="doomed"/);
});

test('GET /v1/functions/{name}/metrics: a point per step over the range, the totals, percentiles and memory', async () => {
  await t.deploy('charted');
  t.driver.handler = () => ({ durationMs: 40, maxRssKb: 30720, cpuMs: 3 });
  try {
    for (let i = 0; i < 4; i++) await invoke('charted');
  } finally {
    t.driver.handler = null;
  }
  const now = Date.now();
  const from = new Date(now - 10 * 60_000).toISOString();
  const res = await t.request('GET', `/v1/functions/charted/metrics?from=${from}&to=${new Date(now).toISOString()}&step=5m`);
  assert.equal(res.statusCode, 200, res.body);
  const s = res.json();
  assert.equal(s.function, 'charted');
  assert.equal(s.step, '5m');
  assert.equal(s.stepSeconds, 300);
  assert.ok(s.points.length === 2 || s.points.length === 3, `points: ${s.points.length}`);
  assert.deepEqual(s.points.map((p: { at: string }) => Date.parse(p.at) % 300_000), s.points.map(() => 0), 'points start on whole steps');
  const last = s.points.at(-1);
  assert.equal(last.invocations, 4);
  assert.equal(last.coldStarts, 1);
  assert.equal(last.errors, 0);
  assert.ok(Math.abs(last.duration.p99 - 40) <= 40 * 0.05, `p99 ${last.duration.p99}`);
  assert.equal(last.duration.max, 40);
  assert.deepEqual(last.memory, { meanKb: 30720, peakKb: 30720 });
  assert.equal(last.cpuMs, 12);
  assert.equal(s.totals.invocations, 4);
  assert.equal(s.points[0].invocations, 0, 'a step without invocations is there, at zero');

  const missing = await t.request('GET', '/v1/functions/nosuch/metrics');
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.type, 'FunctionNotFound');
});

test('GET /v1/metrics: the same series over every function, and the node now', async () => {
  await invoke('busy');
  const res = await t.request('GET', '/v1/metrics');
  assert.equal(res.statusCode, 200, res.body);
  const s = res.json();
  assert.equal(s.function, null);
  assert.equal(s.step, '1m', 'an hour by default, in minutes');
  assert.ok(s.points.length >= 60 && s.points.length <= 61);
  assert.ok(s.totals.invocations >= 1);
  assert.equal(s.node.admission.inFlight, 0);
  assert.ok(s.node.instances.idle >= 1);
  assert.equal(typeof s.node.sandboxMemoryKb, 'number');
  const names = s.functions.map((f: { name: string }) => f.name);
  assert.ok(names.includes('busy') && names.includes('charted'), names.join());
  assert.ok(!names.includes('doomed'), 'a deleted function is not listed');
  const charted = s.functions.find((f: { name: string }) => f.name === 'charted');
  assert.equal(charted.totals.invocations, 4);
  assert.equal(charted.invocations.length, s.points.length);
  assert.equal(charted.invocations.reduce((a: number, b: number) => a + b, 0), 4);
  assert.ok(s.functions[0].totals.invocations >= s.functions.at(-1).totals.invocations, 'busiest first');
});

test('a bad range is a 400 ValidationError naming the field', async () => {
  const cases: [string, string][] = [
    ['from=yesterday', 'from'],
    ['to=soon', 'to'],
    ['from=2026-12-02T10:00:00Z&to=2026-12-02T09:00:00Z', 'from'],
    ['step=5s', 'step'],
    ['step=0m', 'step'],
    ['from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z&step=1m', 'step'],
  ];
  for (const [query, field] of cases) {
    const res = await t.request('GET', `/v1/functions/busy/metrics?${query}`);
    assert.equal(res.statusCode, 400, query);
    const error = res.json().error;
    assert.equal(error.type, 'ValidationError', query);
    assert.ok(error.message.startsWith(`${field}:`), `${query}: ${error.message}`);
    assert.equal(error.details.field, field);
    assert.ok(error.hint);
  }
});

test('requests refused by a per-caller limit are counted by the limit that refused them', async () => {
  const limited = await startTestApp({ SKYSCALE_KEY_RATE: '1', SKYSCALE_KEY_BURST: '1' });
  try {
    assert.equal((await limited.request('GET', '/v1/functions')).statusCode, 200);
    const refused = await limited.request('GET', '/v1/functions');
    assert.equal(refused.statusCode, 429);
    const text = (await limited.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.equal(value(text, 'skyscale_rate_limited_total{limit="key_rate"}'), 1);
    assert.ok(text.includes('skyscale_rate_limited_total{limit="url_rate"} 0'));
  } finally {
    await limited.close();
  }
});

test('an invocation refused for the node\'s memory (429 NodeMemoryFull) counts as a throttle', async () => {
  const small = await startTestApp({ SKYSCALE_MEMORY_BUDGET: '512', SKYSCALE_QUEUE_WAIT_MS: '100' });
  try {
    await small.deploy('big', undefined, { memory: 512 });
    await small.deploy('extra', undefined, { memory: 128 });
    const send = (name: string) => small.request('POST', `/v1/functions/${name}/invocations`, '{}', { 'content-type': 'application/json' });
    assert.equal((await send('big')).statusCode, 200);
    const sandbox = small.driver.live()[0]!;
    sandbox.invokeMs = 1000; // big's instance stays busy: nothing to evict
    const running = send('big');
    await eventually(() => sandbox.invokes.length === 2, "big's second invocation running");
    const refused = await send('extra');
    assert.equal(refused.statusCode, 429);
    assert.equal(refused.json().error.type, 'NodeMemoryFull');
    assert.equal((await running).statusCode, 200);
    const text = (await small.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.equal(value(text, 'skyscale_throttles_total{function="extra"}'), 1);
    assert.equal(value(text, 'skyscale_invocations_total{function="extra",version="1",outcome="failed"}'), 1);
  } finally {
    await small.close();
  }
});
