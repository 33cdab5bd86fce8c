// Benchmark of each runtime on one driver: the first invocation of a new function from a
// pre-warmed sandbox (the runtime's interpreter already started) and with the sandbox
// boot on the path, the init time the agent reports, and warm invoke latency. Prints a
// table; with --save the report is kept in bench/results/. Not part of the test suite.
// The functions have network: none (no network namespace on the path), so what is
// compared is the runtimes.
//   node dist/bench/runtimes.js [--sandbox gvisor|namespace] [--first 6] [--warm 300] [--save]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { ADMIN_KEY, eventually, startTestServer, type TestServer } from '../test/harness.js';
import { client, latencies, pct } from './http.js';

const { values } = parseArgs({ options: { sandbox: { type: 'string' }, first: { type: 'string' }, warm: { type: 'string' }, save: { type: 'boolean' } } });
const DRIVER = values.sandbox ?? 'gvisor';
const FIRST = Number(values.first ?? 6);
const WARM = Number(values.warm ?? 300);

const RUNTIMES = [
  { runtime: 'python3.11', family: 'python', handler: 'handler.handler', files: { 'handler.py': 'def handler(event, context):\n    return {"ok": True}\n' } },
  { runtime: 'nodejs22.x', family: 'node22', handler: 'index.handler', files: { 'index.mjs': 'export const handler = async () => ({ ok: true });\n' } },
  { runtime: 'nodejs24.x', family: 'node24', handler: 'index.handler', files: { 'index.mjs': 'export const handler = async () => ({ ok: true });\n' } },
] as const;
type Runtime = (typeof RUNTIMES)[number];

async function readyPooled(s: TestServer, family: string): Promise<number> {
  const generic = (await s.api('GET', '/v1/pool')).json().generic as { runtime: string; state: string; network?: string }[];
  return generic.filter((g) => g.runtime === family && g.state === 'ready' && g.network === 'none').length;
}

async function firsts(s: TestServer, r: Runtime, prefix: string, fromPool: boolean) {
  const times: number[] = [];
  const inits: number[] = [];
  const starts = new Set<string>();
  for (let i = 0; i < FIRST; i++) {
    await s.deploy(`${prefix}-${r.family}-${i}`, r.files, { runtime: r.runtime, handler: r.handler, network: 'none' });
    if (fromPool) await eventually(async () => (await readyPooled(s, r.family)) >= 2, `a ready ${r.family} sandbox`, 120_000);
    const t = process.hrtime.bigint();
    const res = await s.invoke(`${prefix}-${r.family}-${i}`);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res.status !== 200) throw new Error(`${r.runtime}: ${res.status} ${res.body}`);
    inits.push(Number(res.headers.get('x-skyscale-init-ms')));
    starts.add(res.headers.get('x-skyscale-start') ?? '?');
  }
  times.sort((a, b) => a - b);
  inits.sort((a, b) => a - b);
  return { p50: pct(times, 50), max: times.at(-1)!, initP50: pct(inits, 50), starts: [...starts].join(',') };
}

async function warm(s: TestServer, r: Runtime) {
  await s.deploy(`warm-${r.family}`, r.files, { runtime: r.runtime, handler: r.handler, network: 'none' });
  const url = `${s.url}/v1/functions/warm-${r.family}/invocations`;
  const c = client(1);
  const auth = { authorization: `Bearer ${ADMIN_KEY}` };
  await latencies(30, () => c.post(url, '{}', auth));
  const samples = await latencies(WARM, () => c.post(url, '{}', auth));
  c.close();
  return { p50: pct(samples, 50), p99: pct(samples, 99) };
}

process.env.SKYSCALE_TEST_SANDBOX = DRIVER;
const ms = (x: number) => `${x.toFixed(1)} ms`;
const lines: string[] = [];
const say = (l: string) => { lines.push(l); console.log(l); };
const env = { SKYSCALE_MAX_SANDBOXES: '64', SKYSCALE_KEY_RATE: '0', SKYSCALE_KEY_CONCURRENCY: '0' };
const pooled = await startTestServer({ ...env, SKYSCALE_WARM_POOL_SIZE: '2' });
const booted = await startTestServer({ ...env, SKYSCALE_WARM_POOL_SIZE: '0' });
try {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  say(`runtimes on ${DRIVER}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, commit ${commit}, ${new Date().toISOString()}`);
  say(`first invocation of a new function: n=${FIRST} each; warm: ${WARM} sequential invocations`);
  say('runtime      first, pre-warmed (p50 / max, init p50)     first, boot on path (p50 / max, init p50)   warm p50 / p99');
  for (const r of RUNTIMES) {
    const p = await firsts(pooled, r, 'pw', true);
    const b = await firsts(booted, r, 'boot', false);
    const w = await warm(pooled, r);
    say(`${r.runtime.padEnd(12)} ${`${ms(p.p50)} / ${ms(p.max)}, ${ms(p.initP50)} [${p.starts}]`.padEnd(44)}${`${ms(b.p50)} / ${ms(b.max)}, ${ms(b.initP50)} [${b.starts}]`.padEnd(44)}${ms(w.p50)} / ${ms(w.p99)}`);
  }
} finally {
  await pooled.stop();
  await booted.stop();
}
if (values.save) {
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${new Date().toISOString().slice(0, 10)}-runtimes-${DRIVER}-dev-vm.txt`;
  writeFileSync(file, `${lines.join('\n')}\n`);
  console.log(`saved ${file}`);
}
