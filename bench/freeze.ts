// Freezing idle sandboxes, per driver: how long freeze() and thaw() take as the pools
// see them, what an idle pre-warmed sandbox costs in host CPU running and frozen, and
// the first round trip to the agent after a thaw against one to a sandbox that was not
// frozen. Drives the sandbox drivers directly (no server). Not part of the test suite.
//   node dist/bench/freeze.js [--sandbox gvisor|namespace|process|all] [--cycles 50] [--seconds 5] [--json]
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import type { Sandbox, SandboxDriver } from '../src/sandbox/driver.js';
import { createDriver } from '../src/sandbox/factory.js';
import { treeCpuMs } from '../test/tree-cpu.js';

const { values } = parseArgs({ options: { sandbox: { type: 'string' }, cycles: { type: 'string' }, seconds: { type: 'string' }, json: { type: 'boolean' } } });
const CYCLES = Number(values.cycles ?? 50);
const SECONDS = Number(values.seconds ?? 5);
const DRIVERS = values.sandbox === 'all' || !values.sandbox ? ['gvisor', 'namespace', 'process'] : [values.sandbox];

const ms = (t: bigint) => Number(process.hrtime.bigint() - t) / 1e6;
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

async function pingMs(s: Sandbox): Promise<number> {
  const t = process.hrtime.bigint();
  await s.channel.ping(5000);
  return ms(t);
}

/** Host CPU (ms) the sandbox's process tree uses over `seconds`, as a share of one core. */
async function idleCore(s: Sandbox, seconds: number): Promise<number> {
  const before = await treeCpuMs(s.pid!);
  await sleep(seconds * 1000);
  return ((await treeCpuMs(s.pid!)) - before) / (seconds * 1000);
}

async function measure(driver: SandboxDriver) {
  const s = await driver.start({ id: `sky-bench-${process.pid}-${Date.now()}`, memoryMb: 128, prestart: 'python' });
  try {
    await sleep(500); // let the prestart settle
    const freeze: number[] = [];
    const thaw: number[] = [];
    const firstAfterThaw: number[] = [];
    const warmPing: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      warmPing.push(await pingMs(s));
      let t = process.hrtime.bigint();
      if (!(await s.freeze())) throw new Error(`${driver.name}: the sandbox could not be frozen`);
      freeze.push(ms(t));
      await sleep(20);
      t = process.hrtime.bigint();
      await s.thaw();
      thaw.push(ms(t));
      firstAfterThaw.push(await pingMs(s));
    }
    const running = await idleCore(s, SECONDS);
    await s.freeze();
    const frozen = await idleCore(s, SECONDS);
    const t = process.hrtime.bigint();
    await s.thaw();
    const thawAfterLong = ms(t);
    const ping = await pingMs(s);
    return {
      driver: driver.name, method: driver.capabilities.freeze,
      freezeMs: { p50: median(freeze), p90: p90(freeze) }, thawMs: { p50: median(thaw), p90: p90(thaw) },
      pingMs: { warm: median(warmPing), firstAfterThaw: median(firstAfterThaw) },
      idleCore: { running, frozen }, afterLongFreeze: { thawMs: thawAfterLong, pingMs: ping },
    };
  } finally {
    await s.stop();
  }
}

const results = [];
for (const name of DRIVERS) {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-bench-freeze-'));
  const driver = await createDriver(loadConfig({ ...process.env, SKYSCALE_DATA_DIR: dataDir, SKYSCALE_SANDBOX: name }), pino({ level: 'warn' }));
  try {
    results.push(await measure(driver));
  } finally {
    await driver.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30) };
if (values.json) {
  console.log(JSON.stringify({ machine, cycles: CYCLES, seconds: SECONDS, results }, null, 2));
} else {
  console.log(`machine: ${machine.cpus} cores (${machine.cpu}), ${machine.memoryGb} GiB; ${CYCLES} freeze/thaw cycles, idle CPU over ${SECONDS} s`);
  console.log('driver     method     freeze p50/p90 ms  thaw p50/p90 ms  ping warm / after thaw ms  idle CPU running / frozen (% core)  after a long freeze: thaw / ping ms');
  for (const r of results) {
    console.log([
      r.driver.padEnd(10), String(r.method).padEnd(10),
      `${r.freezeMs.p50.toFixed(3)} / ${r.freezeMs.p90.toFixed(3)}`.padEnd(18), `${r.thawMs.p50.toFixed(3)} / ${r.thawMs.p90.toFixed(3)}`.padEnd(16),
      `${r.pingMs.warm.toFixed(3)} / ${r.pingMs.firstAfterThaw.toFixed(3)}`.padEnd(26),
      `${(r.idleCore.running * 100).toFixed(2)} / ${(r.idleCore.frozen * 100).toFixed(2)}`.padEnd(35),
      `${r.afterLongFreeze.thawMs.toFixed(3)} / ${r.afterLongFreeze.pingMs.toFixed(3)}`,
    ].join(' '));
  }
}
