// Frozen sandboxes on a real driver (gVisor, or the one SKYSCALE_TEST_SANDBOX names): a
// frozen sandbox uses no host CPU and answers nothing until thawed, is stopped cleanly
// while frozen, and one left frozen by a crashed run is removed when the next starts.
// CPU is read from /proc (utime + stime of the sandbox's host process tree), polled
// with a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { childPids, findFreezerHierarchy, sandboxFreezeFile } from '../src/sandbox/cgroups.js';
import type { Sandbox, SandboxDriver } from '../src/sandbox/driver.js';
import { createDriver } from '../src/sandbox/factory.js';
import { eventually, testSandbox } from './harness.js';
import { treeCpuMs, treePids } from './tree-cpu.js';

const log = pino({ level: 'silent' });
const skip = testSandbox() === 'process' ? 'the process driver is covered by the unit tests' : !findFreezerHierarchy() ? 'no freezer cgroup on this host' : false;

/** Host CPU (ms) the sandbox's tree used over `ms` of wall time. */
async function cpuOver(pid: number, ms: number): Promise<number> {
  const before = await treeCpuMs(pid);
  await new Promise((r) => setTimeout(r, ms));
  return (await treeCpuMs(pid)) - before;
}

/** The sandbox's freezer cgroup: where its processes below the root one are. */
async function cgroupDirOf(pid: number): Promise<string> {
  const h = findFreezerHierarchy()!;
  for (const child of await childPids(pid)) {
    const file = await sandboxFreezeFile(h, child);
    if (file) return dirname(file);
  }
  throw new Error(`no sandbox cgroup below pid ${pid}`);
}

async function withDriver(fn: (driver: SandboxDriver, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-freeze-'));
  const driver = await createDriver(loadConfig({ ...process.env, SKYSCALE_DATA_DIR: dataDir, SKYSCALE_SANDBOX: testSandbox() }), log);
  try {
    await fn(driver, dataDir);
  } finally {
    await driver.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('a frozen sandbox uses no CPU and answers nothing until thawed; stopped while frozen, it leaves nothing behind', { skip }, async () => {
  await withDriver(async (driver) => {
    assert.ok(driver.capabilities.freeze?.startsWith('cgroup'), `the ${driver.name} driver freezes with a cgroup here`);
    let s: Sandbox | null = await driver.start({ id: `sky-freeze-${process.pid}`, memoryMb: 128, prestart: 'python' });
    try {
      const pid = s.pid!;
      const cgroup = await cgroupDirOf(pid);
      await s.channel.ping(5000);
      assert.equal(await s.freeze(), true);
      assert.equal(s.frozen, true);
      await eventually(async () => (await cpuOver(pid, 2000)) <= 20, 'the frozen sandbox to use no CPU (at most 1% of a core over 2 s)', 30_000);
      const ping = s.channel.ping(30_000).then(() => 'answered');
      const early = await Promise.race([ping, new Promise((r) => setTimeout(() => r('pending'), 300))]);
      assert.equal(early, 'pending', 'a frozen agent does not answer');
      await s.thaw();
      assert.equal(s.frozen, false);
      assert.equal(await ping, 'answered', 'the request sent while frozen is answered after the thaw');

      await s.freeze();
      const pids = await treePids(pid);
      await s.stop();
      s = null;
      await eventually(() => pids.every((p) => !existsSync(`/proc/${p}`)), 'every process of the sandbox to be gone');
      await eventually(() => !existsSync(cgroup), `its cgroup ${cgroup} to be removed`);
    } finally {
      await s?.stop();
    }
  });
});

test('a sandbox left frozen by a crashed run is thawed and removed when the next driver starts', { skip }, async () => {
  await withDriver(async (crashed, dataDir) => {
    const orphan = await crashed.start({ id: `sky-orphan-frozen-${process.pid}`, memoryMb: 128 });
    try {
      const cgroup = await cgroupDirOf(orphan.pid!);
      const pids = (await treePids(orphan.pid!)).filter((p) => p !== orphan.pid);
      assert.equal(await orphan.freeze(), true);
      // A second driver on the same data dir stands for the server restarting after a crash.
      const restarted = await createDriver(loadConfig({ ...process.env, SKYSCALE_DATA_DIR: dataDir, SKYSCALE_SANDBOX: testSandbox() }), log);
      await restarted.shutdown();
      await eventually(() => pids.every((p) => !existsSync(`/proc/${p}`)), "the orphan's processes to be gone");
      await eventually(() => !existsSync(cgroup), `the orphan's cgroup ${cgroup} to be removed`);
    } finally {
      await orphan.stop();
    }
  });
});

