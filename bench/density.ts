// Density: a node holding N idle warm instances of different functions. Starts a real
// server (the same code as `skyscale server`, no pre-warmed pool so only instances
// count), makes one instance of each of N functions, lets them idle, and prints: host
// memory per idle instance (PSS), the CPU the idle node uses over a window (the control
// plane plus every sandbox's host process tree, from /proc: other work on the machine
// does not count), warm p50/p99 of one busy function beside them, and the first call
// of a frozen instance against the next call of the same, now thawed, instance. Run it
// with freezing on (the default grace) and off (--freeze-after-ms 0) to compare.
// Not part of the test suite.
//   node dist/bench/density.js [--sandbox gvisor|namespace|process] [--n 20] [--freeze-after-ms 1000] [--seconds 30] [--warm 2000] [--json]
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_FREEZE_AFTER_MS } from '../src/config.js';
import { ADMIN_KEY, eventually, startTestServer, type TestServer } from '../test/harness.js';
import { treesCpuMs } from '../test/tree-cpu.js';
import { client, latencies, pct } from './http.js';

const { values } = parseArgs({ options: { sandbox: { type: 'string' }, n: { type: 'string' }, 'freeze-after-ms': { type: 'string' }, seconds: { type: 'string' }, warm: { type: 'string' }, json: { type: 'boolean' } } });
const N = Number(values.n ?? 20);
const FREEZE_AFTER_MS = Number(values['freeze-after-ms'] ?? DEFAULT_FREEZE_AFTER_MS);
const SECONDS = Number(values.seconds ?? 30);
const WARM = Number(values.warm ?? 2000);
const FIRST = Math.min(N, 10);
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const TRIVIAL = { 'handler.py': 'def handler(event, context):\n    return {"ok": True}\n' };

interface PoolView { instances: { function: string; pid: number | null; state: string; frozen: boolean; memoryKb: number | null }[] }
const poolOf = async (s: TestServer) => (await s.api('GET', '/v1/pool')).json() as PoolView;
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1]! : null);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU (in cores) the whole node uses over `seconds`: this process (the control plane) and the sandboxes. */
async function nodeCores(pids: number[], seconds: number): Promise<{ cores: number; sandboxCores: number }> {
  const sandboxes = async () => [...(await treesCpuMs(pids)).values()].reduce((a, b) => a + b, 0);
  const self0 = process.cpuUsage();
  const sb0 = await sandboxes();
  await sleep(seconds * 1000);
  const self = process.cpuUsage(self0);
  const sb = (await sandboxes()) - sb0;
  return { cores: ((self.user + self.system) / 1000 + sb) / (seconds * 1000), sandboxCores: sb / (seconds * 1000) };
}

if (values.sandbox) process.env.SKYSCALE_TEST_SANDBOX = values.sandbox;
const s = await startTestServer({
  SKYSCALE_WARM_POOL_SIZE: '0', SKYSCALE_MAX_SANDBOXES: String(N + 8), SKYSCALE_IDLE_TTL_SECONDS: '86400',
  SKYSCALE_QUEUE_WAIT_MS: '120000', SKYSCALE_FREEZE_AFTER_MS: String(FREEZE_AFTER_MS),
});
let report: Record<string, unknown>;
try {
  const fill = Date.now();
  const names = Array.from({ length: N }, (_, i) => `idle${i}`);
  for (const name of [...names, 'busy']) await s.deploy(name, TRIVIAL);
  // one instance each, two cold starts at a time
  for (let i = 0; i < names.length; i += 2) await Promise.all(names.slice(i, i + 2).map((n) => s.invoke(n)));
  const fillS = (Date.now() - fill) / 1000;
  await s.invoke('busy');
  const settled = async () => {
    const idle = (await poolOf(s)).instances.filter((i) => i.function.startsWith('idle') && i.state === 'idle');
    return idle.length === N && (FREEZE_AFTER_MS === 0 || idle.every((i) => i.frozen));
  };
  await eventually(settled, 'every instance to idle (and freeze)', 120_000);
  await sleep(2000); // the last boots' aftermath
  const pool = await poolOf(s);
  const idle = pool.instances.filter((i) => i.function.startsWith('idle'));
  const idleCpu = await nodeCores(idle.map((i) => i.pid!), SECONDS);

  const url = `${s.url}/v1/functions/busy/invocations`;
  const c = client(1);
  await latencies(200, () => c.post(url, '{}', AUTH));
  const warm = await latencies(WARM, () => c.post(url, '{}', AUTH));

  // First call of a frozen (idle) instance, then at once the same instance again.
  await eventually(settled, 'every instance to idle (and freeze) again', 120_000);
  const first: number[] = [];
  const again: number[] = [];
  for (const name of names.slice(0, FIRST)) {
    const u = `${s.url}/v1/functions/${name}/invocations`;
    first.push(...(await latencies(1, () => c.post(u, '{}', AUTH))));
    again.push(...(await latencies(1, () => c.post(u, '{}', AUTH))));
  }
  c.close();
  const memory = idle.map((i) => i.memoryKb).filter((m): m is number => m !== null);
  report = {
    machine: `${cpus().length} × ${cpus()[0]?.model.trim()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    sandbox: s.driver.describe(), n: N, freezeAfterMs: FREEZE_AFTER_MS, fillSeconds: fillS,
    frozen: idle.filter((i) => i.frozen).length,
    memoryPerInstanceMb: { median: (median(memory) ?? 0) / 1024, total: memory.reduce((a, b) => a + b, 0) / 1024 },
    idleNode: { seconds: SECONDS, cores: idleCpu.cores, sandboxCores: idleCpu.sandboxCores, loadavg1: loadavg()[0] },
    busyBeside: { n: WARM, p50: pct(warm, 50), p99: pct(warm, 99) },
    firstCall: { n: FIRST, frozenP50: median(first), thawedP50: median(again), addedP50: (median(first) ?? 0) - (median(again) ?? 0) },
  };
} finally {
  await s.stop();
}

if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const r = report as Record<string, any>;
  const sb = r.sandbox as Record<string, unknown>;
  console.log(`machine: ${r.machine}; driver ${sb.driver}${sb.runscVersion ? ` (runsc ${sb.runscVersion}, ${sb.platform})` : ''}; freeze ${sb.freeze ?? 'unsupported'}`);
  console.log(`${r.n} idle warm instances (filled in ${r.fillSeconds.toFixed(1)} s); freeze after ${r.freezeAfterMs ? `${r.freezeAfterMs} ms` : 'never'}: ${r.frozen} frozen`);
  console.log(`host memory per idle instance (PSS)       median ${r.memoryPerInstanceMb.median.toFixed(1)} MB, all ${r.memoryPerInstanceMb.total.toFixed(0)} MB`);
  console.log(`CPU of the idle node over ${r.idleNode.seconds} s             ${r.idleNode.cores.toFixed(3)} cores (sandboxes ${r.idleNode.sandboxCores.toFixed(3)}, control plane ${(r.idleNode.cores - r.idleNode.sandboxCores).toFixed(3)}); load average ${r.idleNode.loadavg1.toFixed(2)}`);
  console.log(`warm invoke of a busy function beside them  p50 ${r.busyBeside.p50.toFixed(2)} ms  p99 ${r.busyBeside.p99.toFixed(2)} ms (n=${r.busyBeside.n})`);
  if (r.firstCall.n) console.log(`first call of an idle${r.freezeAfterMs ? ', frozen,' : ''} instance   p50 ${r.firstCall.frozenP50.toFixed(2)} ms; the next call ${r.firstCall.thawedP50.toFixed(2)} ms; added ${r.firstCall.addedP50.toFixed(2)} ms (n=${r.firstCall.n})`);
}
