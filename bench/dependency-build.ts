// Dependency builds on the server: a deploy whose requirements.txt / package.json the
// server installs in a build sandbox (gVisor by default), against the next deploy with
// the same manifest (from the cache, no sandbox), and a deploy with nothing to build.
// Each first build uses a fresh data directory, so nothing is cached; the indexes are
// the real ones, so the figures include the network. Not part of the test suite.
//   node dist/bench/dependency-build.js [--sandbox gvisor|namespace] [--rounds 3] [--json]
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startTestServer, zipFiles, type TestServer } from '../test/harness.js';

const { values } = parseArgs({ options: { sandbox: { type: 'string' }, rounds: { type: 'string' }, json: { type: 'boolean' } } });
const ROUNDS = Number(values.rounds ?? 3);
if (values.sandbox) process.env.SKYSCALE_TEST_SANDBOX = values.sandbox;

interface Case { name: string; runtime: string; handler: string; files: Record<string, string> }

const CASES: Case[] = [
  { name: 'python markupsafe (native wheel)', runtime: 'python3.11', handler: 'handler.handler', files: { 'handler.py': 'import markupsafe\ndef handler(e, c):\n    return str(markupsafe.escape("<"))\n', 'requirements.txt': 'markupsafe==2.1.5\n' } },
  { name: 'nodejs22.x ms (npm ci)', runtime: 'nodejs22.x', handler: 'index.handler', files: {
    'index.mjs': "import ms from 'ms';\nexport const handler = async () => ms(1000);\n",
    'package.json': JSON.stringify({ name: 'b', version: '1.0.0', dependencies: { ms: '2.1.3' } }),
    'package-lock.json': JSON.stringify({ name: 'b', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'b', version: '1.0.0', dependencies: { ms: '2.1.3' } }, 'node_modules/ms': { version: '2.1.3', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz', integrity: 'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==' } } }),
  } },
  { name: 'python, nothing to build', runtime: 'python3.11', handler: 'handler.handler', files: { 'handler.py': 'def handler(e, c):\n    return 1\n' } },
];

async function deployMs(s: TestServer, fn: string, c: Case): Promise<{ ms: number; cached: boolean | null }> {
  const zip = await zipFiles(c.files);
  const t = performance.now();
  const res = await s.api('POST', `/v1/functions/${fn}/versions`, zip, { 'content-type': 'application/zip', 'skyscale-settings': JSON.stringify({ runtime: c.runtime, handler: c.handler, network: 'none' }) });
  const ms = performance.now() - t;
  if (res.status !== 201) throw new Error(`${c.name}: ${res.status} ${res.body}`);
  return { ms, cached: res.json().build?.cached ?? null };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rows: { case: string; firstMs: number; cachedMs: number }[] = [];
for (const c of CASES) {
  const first: number[] = [];
  const again: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const s = await startTestServer({ SKYSCALE_WARM_POOL_SIZE: '0' });
    try {
      const a = await deployMs(s, 'f', c);
      const b = await deployMs(s, 'f', c);
      if (b.cached === false) throw new Error(`${c.name}: the second deploy was not served from the cache`);
      first.push(a.ms);
      again.push(b.ms);
    } finally {
      await s.stop();
    }
  }
  rows.push({ case: c.name, firstMs: median(first), cachedMs: median(again) });
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]!.toFixed(2)}, sandbox ${process.env.SKYSCALE_TEST_SANDBOX ?? 'gvisor'}`;
if (values.json) console.log(JSON.stringify({ machine, rounds: ROUNDS, rows }));
else {
  console.log(`deploy with a server-side dependency build: median of ${ROUNDS} (${machine})`);
  console.log('case                                 first deploy   same manifest again');
  for (const r of rows) console.log(`${r.case.padEnd(36)} ${(r.firstMs / 1000).toFixed(2).padStart(9)} s   ${(r.cachedMs / 1000).toFixed(2).padStart(9)} s`);
}
