// How fast the native API accepts asynchronous invocations: POST
// /v1/functions/{name}/invocations?async=true from concurrent keep-alive clients for a
// few seconds, against a server in its own process (so the load generator does not
// share its event loop), counting 202s per second, and the CPU the server (and its
// sandboxes) spent per event accepted and run: on a shared machine the rate moves with
// the neighbours' load, the CPU per event much less. Each 202 means the event was
// committed to the database; the groups sharing a commit are what make it cheap. The
// server's dispatcher runs the events meanwhile (on the sandbox driver chosen: process
// by default). Prints a table (or --json); --save keeps the report in bench/results/.
// Not part of the test suite.
//   node dist/bench/async-accept.js [--sandbox process|namespace|gvisor] [--seconds 5] [--concurrency 64] [--window-ms 0] [--json] [--save]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIN_KEY } from '../test/harness.js';
import { zipFiles } from '../test/fakes/zip.js';
import { startServerProcess } from '../test/server-process.js';
import { eventually } from '../test/fakes/eventually.js';
import { readFileSync } from 'node:fs';
import { treeCpuMs } from '../test/tree-cpu.js';
import { client, pct } from './http.js';

/** CPU ms the process itself (not its children) has used. */
function ownCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

const { values } = parseArgs({ options: {
  sandbox: { type: 'string' }, seconds: { type: 'string' }, concurrency: { type: 'string' }, 'window-ms': { type: 'string' }, json: { type: 'boolean' }, save: { type: 'boolean' },
} });
const SANDBOX = values.sandbox ?? 'process';
const SECONDS = Number(values.seconds ?? 5);
const CONCURRENCY = (values.concurrency ?? '1,16,64').split(',').map(Number);
const WINDOW = values['window-ms'] ?? '0';
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };

const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-bench-async-'));
const server = await startServerProcess({ SKYSCALE_DATA_DIR: dataDir, SKYSCALE_ADMIN_KEY: ADMIN_KEY, SKYSCALE_SANDBOX: SANDBOX, SKYSCALE_ASYNC_COMMIT_WINDOW_MS: WINDOW, SKYSCALE_WARM_POOL_SIZE: '1', SKYSCALE_KEY_RATE: '0', ...(process.env.SKYSCALE_ASYNC_CONCURRENCY ? { SKYSCALE_ASYNC_CONCURRENCY: process.env.SKYSCALE_ASYNC_CONCURRENCY } : {}) });
try {
  const deployed = await fetch(`${server.url}/v1/functions/noop/versions`, {
    method: 'POST', body: new Uint8Array(await zipFiles({ 'handler.py': 'def handler(event, context):\n    return None\n' })),
    headers: { ...AUTH, 'content-type': 'application/zip', 'skyscale-settings': JSON.stringify({ handler: 'handler.handler', network: 'none' }) },
  });
  if (deployed.status !== 201) throw new Error(`deploy failed: ${deployed.status} ${await deployed.text()}`);
  const url = `${server.url}/v1/functions/noop/invocations?async=true`;
  const rows = [];
  let total = 0;
  const pid = server.child.pid!;
  const cpuAtStart = { own: ownCpuMs(pid), tree: await treeCpuMs(pid) };
  let last = '';
  for (const concurrency of CONCURRENCY) {
    const c = client(concurrency);
    const ownBefore = ownCpuMs(pid);
    const end = Date.now() + SECONDS * 1000;
    let accepted = 0;
    let other = 0;
    const lat: number[] = [];
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        const res = await c.postFull(url, '{"n":1}', AUTH).catch(() => null);
        lat.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (res?.status === 202) {
          accepted++;
          last = res.requestId;
        }
        else other++;
      }
    }));
    c.close();
    lat.sort((a, b) => a - b);
    total += accepted;
    const serverCpuShare = (ownCpuMs(pid) - ownBefore) / (SECONDS * 1000);
    rows.push({ concurrency, acceptedPerSecond: Math.round(accepted / SECONDS), notAccepted: other, p50Ms: +pct(lat, 50).toFixed(2), p99Ms: +pct(lat, 99).toFixed(2), serverCores: +serverCpuShare.toFixed(2) });
  }
  // the queue then runs them all: the last accepted is among the last to run
  const drainStart = Date.now();
  await eventually(async () => {
    const res = await fetch(`${server.url}/v1/invocations/${last}`, { headers: AUTH });
    return ((await res.json()) as { async?: { state: string } }).async?.state === 'succeeded';
  }, 'the queue to drain', 600_000, 100);
  const drainSeconds = (Date.now() - drainStart) / 1000;
  const perEvent = {
    serverCpuMs: +((ownCpuMs(pid) - cpuAtStart.own) / total).toFixed(3),
    withSandboxesCpuMs: +(((await treeCpuMs(pid)) - cpuAtStart.tree) / total).toFixed(3),
  };
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? '?', memoryGb: Math.round(totalmem() / 2 ** 30) };
  let commit = '?';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  const report = { bench: 'async-accept', at: new Date().toISOString(), commit, machine, sandbox: SANDBOX, seconds: SECONDS, commitWindowMs: Number(WINDOW), rows, totalAccepted: total, drainSeconds, perEvent, loadAverage: loadavg()[0] };
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`async accept: POST /v1/functions/noop/invocations?async=true, ${SECONDS} s per row, sandbox ${SANDBOX}, commit window ${WINDOW} ms`);
    console.log(`machine: ${machine.cpus} cores (${machine.model}), ${machine.memoryGb} GB; commit ${commit}`);
    console.log('| clients | accepted/s | not accepted | p50 ms | p99 ms | server CPU (cores) |');
    console.log('|---:|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.concurrency} | ${r.acceptedPerSecond} | ${r.notAccepted} | ${r.p50Ms} | ${r.p99Ms} | ${r.serverCores} |`);
    console.log(`the queue ran the last of the ${total} accepted events ${drainSeconds.toFixed(1)} s after the load stopped`);
    console.log(`CPU per event, accepted and run: ${perEvent.serverCpuMs} ms in the server, ${perEvent.withSandboxesCpuMs} ms with its sandboxes; load average ${loadavg()[0]!.toFixed(1)}`);
  }
  if (values.save) {
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/async-accept-${report.at.replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`saved ${file}`);
  }
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
  rmSync(dataDir, { recursive: true, force: true });
}
