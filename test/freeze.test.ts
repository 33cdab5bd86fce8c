// Frozen sandboxes on a real driver (gVisor, or the one SKYSCALE_TEST_SANDBOX names): a
// frozen sandbox uses no host CPU and answers nothing until thawed, is stopped cleanly
// while frozen, and one left frozen by a crashed run is removed when the next starts.
// Through a server: a handler that leaves a busy process and a busy thread behind costs
// nothing once its idle instance is frozen, and still serves its next call; a frozen
// sandbox whose process is killed is noticed and replaced. CPU is read from /proc
// (utime + stime of the sandbox's host process tree), polled with a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { cgroupPath, childPids, findFreezerHierarchy, sandboxFreezeFile } from '../src/sandbox/cgroups.js';
import type { Sandbox, SandboxDriver } from '../src/sandbox/driver.js';
import { createDriver } from '../src/sandbox/factory.js';
import { eventually, startTestServer, testSandbox, type TestServer } from './harness.js';
import { treeCpuMs, treePids } from './tree-cpu.js';

const log = pino({ level: 'silent' });
const skip = testSandbox() === 'process' ? 'the process driver is covered by the unit tests' : !findFreezerHierarchy() ? 'no freezer cgroup on this host' : false;

/** Host CPU (ms) the sandbox's tree used over `ms` of wall time. */
async function cpuOver(pid: number, ms: number): Promise<number> {
  const before = await treeCpuMs(pid);
  await new Promise((r) => setTimeout(r, ms));
  return (await treeCpuMs(pid)) - before;
}

const docker = testSandbox().startsWith('docker');

/**
 * The sandbox's freezer cgroup: where its processes below the root one are; for a
 * container, the one the engine made for it, which its own root process is in.
 */
async function cgroupDirOf(pid: number): Promise<string> {
  const h = findFreezerHierarchy()!;
  if (docker) {
    const path = cgroupPath(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), h.kind);
    if (path) return join(h.mount, path);
  }
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
    // the engine's pause is its cgroup freezer too
    assert.ok(driver.capabilities.freeze?.startsWith('cgroup') || (docker && driver.capabilities.freeze === 'docker-pause'), `the ${driver.name} driver freezes with a cgroup here`);
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

const LEAVES_WORK_BEHIND = `
import os, socket, subprocess, sys, threading

def in_sandbox():
    # the agent kit is mounted, PIDs are the sandbox's own, and the hostname is the sandbox's
    return os.path.exists("/opt/skyscale/bin/skyscale-agent") and os.getpid() < 100 and socket.gethostname() == "sandbox"

def spin():
    while True:
        pass

def handler(event, context):
    if not in_sandbox():
        return {"refused": "not inside a sandbox; leaving nothing behind"}
    if "child" in event:
        os.kill(event["child"], 0)  # raises if the child is gone
        return {"child_alive": True, "threads": threading.active_count()}
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    threading.Thread(target=spin, daemon=True).start()
    return {"child": child.pid}
`;

interface PoolView {
  generic: { id: string | null; pid: number | null; state: string; frozen: boolean }[];
  instances: { id: string; pid: number | null; function: string; state: string; frozen: boolean }[];
}

async function poolOf(s: TestServer): Promise<PoolView> {
  return (await s.api('GET', '/v1/pool')).json() as PoolView;
}

async function leaveWorkBehind(s: TestServer): Promise<{ child: number; pid: number }> {
  await s.deploy('leaver', { 'handler.py': LEAVES_WORK_BEHIND });
  const res = await s.invoke('leaver');
  const out = res.json();
  assert.equal(out.refused, undefined, 'the handler ran inside a sandbox');
  assert.equal(typeof out.child, 'number', JSON.stringify(out));
  const instance = (await poolOf(s)).instances.find((i) => i.function === 'leaver')!;
  return { child: out.child, pid: instance.pid! };
}

test('without freezing, what a handler leaves running keeps burning host CPU after it returns', { skip }, async () => {
  const s = await startTestServer({ SKYSCALE_FREEZE_AFTER_MS: '0', SKYSCALE_WARM_POOL_SIZE: '0' });
  try {
    const { pid } = await leaveWorkBehind(s);
    // the busy child and the busy thread: more than half a core while the instance idles
    await eventually(async () => (await cpuOver(pid, 2000)) >= 1000, 'the leftovers to burn CPU', 30_000);
    assert.equal((await poolOf(s)).instances[0]!.frozen, false);
  } finally {
    await s.stop();
  }
});

test('a handler that leaves a busy process and a busy thread behind costs no CPU once its instance is frozen; its next call thaws it', { skip }, async () => {
  const s = await startTestServer({ SKYSCALE_FREEZE_AFTER_MS: '500', SKYSCALE_WARM_POOL_SIZE: '0' });
  try {
    const { child, pid } = await leaveWorkBehind(s);
    await eventually(async () => (await poolOf(s)).instances[0]!.frozen, 'the idle instance to be frozen', 30_000);
    await eventually(async () => (await cpuOver(pid, 2000)) <= 20, 'the frozen instance to use no CPU (at most 1% of a core over 2 s)', 30_000);

    const next = await s.invoke('leaver', { child });
    assert.equal(next.status, 200);
    assert.equal(next.headers.get('x-skyscale-start'), 'warm', 'the frozen instance served it');
    assert.equal(next.json().child_alive, true, 'thawed with everything in it');
    const instance = (await poolOf(s)).instances[0]!;
    assert.equal(instance.pid, pid);
    await eventually(async () => (await poolOf(s)).instances[0]!.frozen, 'the instance to be frozen again', 30_000);
    await eventually(async () => (await cpuOver(pid, 2000)) <= 20, 'no CPU again', 30_000);
  } finally {
    await s.stop();
  }
});

test('a frozen sandbox whose process is killed is noticed and replaced, pooled or warm, leaving nothing behind', { skip }, async () => {
  const s = await startTestServer({ SKYSCALE_FREEZE_AFTER_MS: '300', SKYSCALE_WARM_POOL_SIZE: '1' });
  try {
    await s.deploy('fragile', { 'handler.py': 'def handler(event, context):\n    return "ok"\n' });
    assert.equal((await s.invoke('fragile')).json(), 'ok');
    const frozen = (await eventually(async () => {
      const p = await poolOf(s);
      const pooled = p.generic.find((g) => g.state === 'ready' && g.frozen);
      const instance = p.instances.find((i) => i.function === 'fragile' && i.frozen);
      return pooled && instance ? { pooled, instance } : null;
    }, 'a frozen pre-warmed sandbox and a frozen instance', 30_000))!;
    const doomed = [frozen.pooled.pid!, frozen.instance.pid!];
    const trees = (await Promise.all(doomed.map((p) => treePids(p)))).flat();
    const cgroups = await Promise.all(doomed.map((p) => cgroupDirOf(p)));
    for (const pid of doomed) process.kill(pid, 'SIGKILL');

    await eventually(async () => {
      const p = await poolOf(s);
      return !p.instances.some((i) => i.id === frozen.instance.id) && p.generic.some((g) => g.state === 'ready' && g.id !== frozen.pooled.id);
    }, 'the dead instance dropped and the pooled sandbox replaced', 30_000).catch(async (err: Error) => {
      const read = (path: string) => { try { return readFileSync(path, 'utf8'); } catch { return 'gone'; } };
      const left = trees.filter((p) => existsSync(`/proc/${p}`)).map((p) => `${p}: ${read(`/proc/${p}/stat`).split(') ')[1]?.slice(0, 1)}`);
      const freezers = cgroups.map((c) => `${c}: ${read(join(c, 'freezer.state')).trim()}`);
      throw new Error(`${err.message}; pool ${JSON.stringify(await poolOf(s))}; processes left ${left.join(', ')}; cgroups ${freezers.join(', ')}`);
    });
    await eventually(() => trees.every((p) => !existsSync(`/proc/${p}`)), 'every process of the killed sandboxes to be gone', 30_000);
    await eventually(() => cgroups.every((c) => !existsSync(c)), 'their cgroups to be removed', 30_000);
    const next = await s.invoke('fragile');
    assert.equal(next.json(), 'ok');
    assert.notEqual(next.headers.get('x-skyscale-start'), 'warm');
  } finally {
    await s.stop();
  }
});
