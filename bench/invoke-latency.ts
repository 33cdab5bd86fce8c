// Benchmark: warm and first-invocation latency through the native API against a real
// server, beside the floor (a bare Node HTTP keep-alive round trip on loopback).
// Prints a table (and JSON with --json). Not part of the test suite.
//   node dist/bench/invoke-latency.js [--sandbox gvisor|process] [--warm 500] [--cold 8] [--json]
import http from 'node:http';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startTestServer, ADMIN_KEY } from '../test/harness.js';

const { values } = parseArgs({ options: { sandbox: { type: 'string' }, warm: { type: 'string' }, cold: { type: 'string' }, json: { type: 'boolean' } } });
const WARM = Number(values.warm ?? 500);
const COLD = Number(values.cold ?? 8);
if (values.sandbox) process.env.SKYSCALE_TEST_SANDBOX = values.sandbox;

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.setNoDelay(true);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

async function floor(): Promise<number[]> {
  const server = http.createServer((req, res) => { req.resume(); req.on('end', () => res.end('{"ok":true}')); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  await timed(200, () => post(url, '{}'));
  const samples = await timed(WARM, () => post(url, '{}'));
  await new Promise((r) => server.close(r));
  return samples;
}

const floorSamples = await floor();
const s = await startTestServer();
try {
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  await s.deploy('bench', { 'handler.py': 'def handler(event, context):\n    return {"ok": True}\n' });
  const url = `${s.url}/v1/functions/bench/invocations`;
  await timed(50, () => post(url, '{}', auth));
  const warm = await timed(WARM, () => post(url, '{}', auth));

  const cold: number[] = [];
  const initMs: number[] = [];
  for (let i = 0; i < COLD; i++) {
    await s.deploy(`cold${i}`, { 'handler.py': 'def handler(event, context):\n    return {"ok": True}\n' });
    const t = process.hrtime.bigint();
    const res = await s.invoke(`cold${i}`);
    cold.push(Number(process.hrtime.bigint() - t) / 1e6);
    initMs.push(Number(res.headers.get('x-skyscale-init-ms')));
  }
  cold.sort((a, b) => a - b);
  initMs.sort((a, b) => a - b);
  const pool = (await s.api('GET', '/v1/pool')).json();
  const result = {
    machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    sandbox: s.driver.describe(),
    floor: { p50: percentile(floorSamples, 50), p99: percentile(floorSamples, 99) },
    warm: { n: WARM, p50: percentile(warm, 50), p99: percentile(warm, 99) },
    first: { n: COLD, p50: percentile(cold, 50), max: cold.at(-1), initP50: percentile(initMs, 50) },
    instances: pool.instances.length,
  };
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const f = (n: number | undefined) => (n === undefined ? '-' : `${n.toFixed(2)} ms`);
    console.log(`machine: ${result.machine}; sandbox: ${s.driver.name} ${String(result.sandbox.runscVersion ?? '')} ${String(result.sandbox.platform ?? '')}`);
    console.log(`floor (Node HTTP keep-alive round trip)   p50 ${f(result.floor.p50)}   p99 ${f(result.floor.p99)}`);
    console.log(`warm invoke, trivial handler (n=${WARM})    p50 ${f(result.warm.p50)}   p99 ${f(result.warm.p99)}   (${(result.warm.p50 / result.floor.p50).toFixed(1)}× / ${(result.warm.p99 / result.floor.p99).toFixed(1)}× the floor)`);
    console.log(`first invocation, sandbox boot on path (n=${COLD})  p50 ${f(result.first.p50)}   max ${f(result.first.max)}   init (agent: code load + import) p50 ${f(result.first.initP50)}`);
  }
} finally {
  await s.stop();
  agent.destroy();
}
