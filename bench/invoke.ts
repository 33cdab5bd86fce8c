// Benchmark of the invoke path against real servers, printing one table per driver:
// the floor (a bare Node HTTP keep-alive round trip on loopback), warm invoke latency,
// throughput at concurrency 1/8/32, first-invocation latency with the pre-warmed pool
// and with sandbox boot on the path, and host memory per idle sandbox.
// The floor's throughput at concurrency 32 is measured in the same run, so every
// throughput is also a ratio to it. With --save the report is kept in bench/results/
// (one file per run, with the machine and the commit). Not part of the test suite.
//   node dist/bench/invoke.js [--sandbox gvisor|namespace|process|all] [--warm 1000] [--seconds 5] [--json] [--save]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { ADMIN_KEY, eventually, startTestServer, type TestServer } from '../test/harness.js';
import { client, latencies, pct } from './http.js';

const { values } = parseArgs({ options: { sandbox: { type: 'string' }, warm: { type: 'string' }, seconds: { type: 'string' }, first: { type: 'string' }, json: { type: 'boolean' }, save: { type: 'boolean' } } });
const WARM = Number(values.warm ?? 1000);
const SECONDS = Number(values.seconds ?? 5);
const FIRST = Number(values.first ?? 8);
const DRIVERS = values.sandbox === 'all' || !values.sandbox ? ['gvisor', 'namespace', 'process'] : [values.sandbox];
const TRIVIAL = { 'handler.py': 'def handler(event, context):\n    return {"ok": True}\n' };
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };

/** The floor: a bare Node HTTP server on loopback, one client (latency) and 32 (throughput). */
async function floor(): Promise<{ samples: number[]; c32: { perSecond: number; p50: number; p99: number } }> {
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('{"ok":true}')); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  const c = client(1);
  await latencies(200, () => c.post(url, '{}'));
  const samples = await latencies(WARM, () => c.post(url, '{}'));
  c.close();
  const { perSecond, p50, p99 } = await throughput(url, 32);
  await new Promise((r) => server.close(r));
  return { samples, c32: { perSecond, p50, p99 } };
}

async function throughput(url: string, concurrency: number): Promise<{ concurrency: number; perSecond: number; errors: number; p50: number; p99: number; instances?: number }> {
  const c = client(concurrency);
  const end = Date.now() + SECONDS * 1000;
  let ok = 0;
  let errors = 0;
  const lat: number[] = [];
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      const t = process.hrtime.bigint();
      const status = await c.post(url, '{}', AUTH).catch(() => 0);
      lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      if (status === 200) ok++;
      else errors++;
    }
  }));
  c.close();
  lat.sort((a, b) => a - b);
  return { concurrency, perSecond: ok / SECONDS, errors, p50: pct(lat, 50), p99: pct(lat, 99) };
}

interface PoolView { generic: { state: string; network?: string; memoryKb: number | null }[]; instances: { function: string; state: string; memoryKb: number | null }[] }

/**
 * Ready pre-warmed sandboxes of the class the bench's functions take: the server's
 * default network (outbound), so a wait for the pool is a wait for their own class.
 */
async function readyPooled(s: TestServer): Promise<number> {
  const pool = (await s.api('GET', '/v1/pool')).json() as PoolView;
  return pool.generic.filter((g) => g.state === 'ready' && (g.network ?? 'outbound') === 'outbound').length;
}

async function firstInvocations(s: TestServer, prefix: string, waitForPool: boolean) {
  const times: number[] = [];
  const inits: number[] = [];
  const starts: string[] = [];
  for (let i = 0; i < FIRST; i++) {
    if (waitForPool) await eventually(async () => (await readyPooled(s)) >= 1, 'a ready pooled sandbox', 60_000);
    await s.deploy(`${prefix}${i}`, TRIVIAL);
    const t = process.hrtime.bigint();
    const res = await s.invoke(`${prefix}${i}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    inits.push(Number(res.headers.get('x-skyscale-init-ms')));
    starts.push(res.headers.get('x-skyscale-start') ?? '?');
  }
  times.sort((a, b) => a - b);
  inits.sort((a, b) => a - b);
  return { n: FIRST, p50: pct(times, 50), max: times.at(-1)!, initP50: pct(inits, 50), starts: [...new Set(starts)].join(',') };
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1]! : null);

async function benchDriver(driver: string, floorSamples: number[]) {
  process.env.SKYSCALE_TEST_SANDBOX = driver;
  // the benchmark's one key sends thousands of calls a second: no per-key limits
  const warmPool = await startTestServer({ SKYSCALE_WARM_POOL_SIZE: '4', SKYSCALE_MAX_SANDBOXES: '64', SKYSCALE_QUEUE_WAIT_MS: '30000', SKYSCALE_KEY_RATE: '0', SKYSCALE_KEY_CONCURRENCY: '0' });
  let result: Record<string, unknown>;
  try {
    // Measure on a settled node: the pre-warmed pool boots in the background at start.
    await eventually(async () => (await readyPooled(warmPool)) >= 4, 'the pool to fill', 60_000);
    await warmPool.deploy('bench', TRIVIAL);
    const url = `${warmPool.url}/v1/functions/bench/invocations`;
    const c = client(1);
    await latencies(100, () => c.post(url, '{}', AUTH));
    // The first call took a pooled sandbox: let the pool refill before measuring.
    await eventually(async () => (await readyPooled(warmPool)) >= 4, 'the pool to refill', 60_000);
    await latencies(WARM, () => c.post(url, '{}', AUTH));
    const warm = await latencies(WARM, () => c.post(url, '{}', AUTH));
    c.close();
    const tput = [];
    for (const conc of [1, 8, 32]) {
      const t = await throughput(url, conc);
      const instances = ((await warmPool.api('GET', '/v1/pool')).json() as PoolView).instances.filter((i) => i.function === 'bench').length;
      tput.push({ ...t, instances });
    }
    const firstPool = await firstInvocations(warmPool, 'pw', true);
    await eventually(async () => (await readyPooled(warmPool)) >= 4, 'the pool to refill', 60_000);
    const pool = (await warmPool.api('GET', '/v1/pool')).json() as PoolView;
    result = {
      driver, sandbox: warmPool.driver.describe(),
      warm: { n: WARM, p50: pct(warm, 50), p99: pct(warm, 99), p50xFloor: pct(warm, 50) / pct(floorSamples, 50), p99xFloor: pct(warm, 99) / pct(floorSamples, 99) },
      throughput: tput, firstWithPool: firstPool,
      memoryKb: {
        idleGeneric: median(pool.generic.filter((g) => g.state === 'ready' && g.memoryKb !== null).map((g) => g.memoryKb!)),
        idleWarmInstance: median(pool.instances.filter((i) => i.state === 'idle' && i.memoryKb !== null).map((i) => i.memoryKb!)),
      },
    };
  } finally {
    await warmPool.stop();
  }
  const cold = await startTestServer({ SKYSCALE_WARM_POOL_SIZE: '0' });
  try {
    result.firstWithBoot = await firstInvocations(cold, 'boot', false);
  } finally {
    await cold.stop();
  }
  return result;
}

const floorRun = await floor();
const floorSamples = floorRun.samples;
const results = [];
for (const d of DRIVERS) results.push(await benchDriver(d, floorSamples));
for (const r of results) for (const t of r.throughput as { perSecond: number; xFloor?: number }[]) t.xFloor = t.perSecond / floorRun.c32.perSecond;
let commit = 'unknown';
try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
const report = {
  at: new Date().toISOString(), commit,
  machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
  floor: { p50: pct(floorSamples, 50), p99: pct(floorSamples, 99), c32PerSecond: floorRun.c32.perSecond },
  drivers: results,
};
if (values.save) {
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/invoke-${report.at.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`saved ${file}`);
}
if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const ms = (n: unknown) => (typeof n === 'number' ? `${n.toFixed(2)} ms` : '-');
  const mb = (kb: unknown) => (typeof kb === 'number' ? `${(kb / 1024).toFixed(1)} MB` : '-');
  console.log(`machine: ${report.machine}`);
  console.log(`floor: Node HTTP keep-alive round trip on loopback   p50 ${ms(report.floor.p50)}   p99 ${ms(report.floor.p99)}   concurrency 32: ${report.floor.c32PerSecond.toFixed(0)}/s`);
  for (const r of results as Record<string, any>[]) {
    const sb = r.sandbox as Record<string, unknown>;
    console.log(`\n== ${r.driver}${sb.runscVersion ? ` (runsc ${sb.runscVersion}, ${sb.platform})` : ''}`);
    console.log(`warm invoke, trivial handler (n=${r.warm.n})    p50 ${ms(r.warm.p50)}  p99 ${ms(r.warm.p99)}   = ${r.warm.p50xFloor.toFixed(1)}× / ${r.warm.p99xFloor.toFixed(1)}× the floor`);
    for (const t of r.throughput) console.log(`throughput, concurrency ${String(t.concurrency).padStart(2)} (${SECONDS} s)    ${t.perSecond.toFixed(0).padStart(6)} invocations/s (${t.xFloor.toFixed(2)}× the floor's at 32)   errors ${t.errors}   p50 ${ms(t.p50)}  p99 ${ms(t.p99)}   instances ${t.instances}`);
    console.log(`first invocation, pre-warmed pool (n=${r.firstWithPool.n})   p50 ${ms(r.firstWithPool.p50)}  max ${ms(r.firstWithPool.max)}   init p50 ${ms(r.firstWithPool.initP50)}   [${r.firstWithPool.starts}]`);
    console.log(`first invocation, sandbox boot on path (n=${r.firstWithBoot.n})   p50 ${ms(r.firstWithBoot.p50)}  max ${ms(r.firstWithBoot.max)}   init p50 ${ms(r.firstWithBoot.initP50)}   [${r.firstWithBoot.starts}]`);
    console.log(`host memory (PSS) per idle sandbox: pre-warmed ${mb(r.memoryKb.idleGeneric)}, warm instance ${mb(r.memoryKb.idleWarmInstance)}`);
  }
}
