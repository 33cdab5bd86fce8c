// Metrics with real sandboxes: a function that allocates ~50 MB and burns some CPU is
// invoked a few times; its records carry how each started, the runtime's CPU time and a
// peak memory above 50 MB; /metrics (scraped from loopback, no key) shows the counters
// and the cold-start counter moving and the sandboxes' host memory; the rollup API
// returns the same figures for the function and the node.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './harness.js';

const HOG = `
def handler(event, context):
    block = b"x" * (50 * 1024 * 1024)  # written, so resident
    total = 0
    for i in range(300000):
        total += i * i
    return {"size": len(block), "total": total}
`;

let s: TestServer;
before(async () => {
  s = await startTestServer();
  await s.deploy('hog', { 'handler.py': HOG }, { memory: 256, timeout: 30 });
});
after(async () => { await s?.stop(); });

/** the value of one series in the exposition text, 0 when absent */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function scrape(): Promise<string> {
  const res = await fetch(`${s.url}/metrics`); // from loopback: no key
  assert.equal(res.status, 200);
  return res.text();
}

test('invocations carry start, CPU time and peak memory; /metrics counts them and the cold start; the rollups agree', async () => {
  const before = await scrape();
  assert.equal(value(before, 'skyscale_invocations_total{function="hog",version="1",outcome="success"}'), 0);

  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await s.invoke('hog');
    assert.equal(res.status, 200, res.body.toString());
    assert.equal(res.json().size, 50 * 1024 * 1024);
    ids.push(res.headers.get('x-skyscale-request-id')!);
  }
  const records = await Promise.all(ids.map(async (id) => (await s.api('GET', `/v1/invocations/${id}`)).json().invocation));
  assert.ok(records[0].start === 'pool' || records[0].start === 'boot', `first start: ${records[0].start}`);
  assert.deepEqual(records.slice(1).map((r) => r.start), ['warm', 'warm']);
  for (const r of records) {
    assert.ok(r.maxMemoryKb > 50 * 1024, `peak memory ${r.maxMemoryKb} kB`);
    assert.ok(r.cpuMs > 0, `cpu ${r.cpuMs} ms`);
  }

  const text = await scrape();
  assert.equal(value(text, 'skyscale_invocations_total{function="hog",version="1",outcome="success"}'), 3);
  const kind = records[0].start as string;
  assert.equal(value(text, `skyscale_cold_starts_total{function="hog",start_kind="${kind}"}`), 1);
  assert.equal(value(text, `skyscale_cold_starts_total{function="hog",start_kind="${kind === 'pool' ? 'boot' : 'pool'}"}`), 0);
  assert.equal(value(text, 'skyscale_invocation_duration_seconds_count{function="hog"}'), 3);
  assert.equal(value(text, `skyscale_invocation_init_duration_seconds_count{function="hog",start_kind="${kind}"}`), 1);
  assert.ok(value(text, 'skyscale_invocation_cpu_seconds_total{function="hog"}') > 0);
  // the block is freed once the handler returns: the sandbox's host memory is read, not necessarily 50 MB
  assert.ok(value(text, 'skyscale_sandbox_memory_bytes{kind="instance"}') > 1024 * 1024, 'the instance\'s host memory is read at scrape time');
  assert.ok(value(text, 'skyscale_sandbox_memory_bytes{kind="prewarmed"}') > 0 || value(text, 'skyscale_prewarmed_sandboxes{state="booting"}') > 0, 'and the pre-warmed one\'s');
  assert.equal(value(text, 'skyscale_invocations_in_flight'), 0);
  assert.match(text, /^skyscale_build_info\{version="[^"]+",driver="(gvisor|namespace)"\} 1$/m);

  const series = (await s.api('GET', '/v1/functions/hog/metrics?step=5m')).json();
  assert.equal(series.totals.invocations, 3);
  assert.equal(series.totals.coldStarts, 1);
  assert.equal(series.totals.errors, 0);
  assert.ok(series.totals.memory.peakKb > 50 * 1024);
  assert.ok(series.totals.cpuMs > 0);
  assert.ok(series.totals.duration.p99 >= series.totals.duration.p50);

  const node = (await s.api('GET', '/v1/metrics')).json();
  assert.ok(node.totals.invocations >= 3);
  assert.ok(node.node.sandboxMemoryKb > 1024);
  assert.equal(node.node.instances.idle + node.node.instances.frozen, 1);
});

test('a function deleted leaves /metrics', async () => {
  await s.deploy('brief', { 'handler.py': 'def handler(event, context):\n    return 1\n' });
  assert.equal((await s.invoke('brief')).status, 200);
  assert.match(await scrape(), /function="brief"/);
  assert.equal((await s.api('DELETE', '/v1/functions/brief')).status, 204);
  assert.doesNotMatch(await scrape(), /function="brief"/);
});
