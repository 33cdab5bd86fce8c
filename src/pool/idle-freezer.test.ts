import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { eventually } from '../../test/fakes/eventually.js';
import { FakeDriver, type FakeSandbox } from '../../test/fakes/fake-driver.js';
import type { VersionRecord } from '../model/function.js';
import { GenericPool } from './generic-pool.js';
import { IdleFreezer } from './idle-freezer.js';
import { InstancePool } from './instance-pool.js';
import { SandboxBudget } from './sandbox-budget.js';

const log = pino({ level: 'silent' });
const v = { functionName: 'p', version: 1, codeSha256: 'a'.repeat(64), memoryMb: 128 } as VersionRecord;
const GRACE = 1000;

/** The pools and a freezer on one hand-moved clock; the freezer's own timer never fires in a test. */
function setup(o: { size?: number; maxSandboxes?: number; idleTtlMs?: number; afterMs?: number } = {}) {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const driver = new FakeDriver();
  const budget = new SandboxBudget(o.maxSandboxes ?? 10);
  const instances = new InstancePool({ driver, budget, log, idleTtlMs: o.idleTtlMs ?? 60_000, now });
  const generic = new GenericPool({ driver, budget, log, classes: [{ runtime: 'python', memoryMb: 128, network: 'none', size: o.size ?? 0 }], now });
  const freezer = new IdleFreezer({ afterMs: o.afterMs ?? GRACE, sources: [instances, generic], log, now });
  freezer.shutdown(); // sweeps are driven by hand
  const sandboxOf = (id: string) => driver.started.find((s) => s.id === id)!;
  return { clock, driver, budget, instances, generic, freezer, sandboxOf, close: async () => { await generic.shutdown(); await instances.shutdown(); } };
}

test('idle instances and pre-warmed sandboxes are frozen once idle for the grace period, busy ones never', async () => {
  const { clock, generic, instances, freezer, sandboxOf, close } = setup({ size: 1 });
  try {
    generic.refill();
    await eventually(() => generic.readyCount('python', 128, 'none') === 1, 'the pool to fill');
    const idle = await instances.open(v, null);
    const busy = await instances.open({ ...v, version: 2 }, null);
    instances.putIdle(idle);
    assert.equal(freezer.sweep(clock.t + GRACE - 1), 0, 'not before the grace');
    assert.equal(freezer.sweep(clock.t + GRACE), 2, 'the idle instance and the pooled sandbox');
    assert.equal(sandboxOf(idle.id).frozen, true);
    assert.equal(sandboxOf(busy.id).frozen, false, 'a busy instance is never frozen');
    assert.deepEqual(instances.list().map((i) => [i.version, i.state, i.frozen]).sort(), [[1, 'idle', true], [2, 'busy', false]]);
    assert.deepEqual(generic.list().map((g) => [g.state, g.frozen]), [['ready', true]]);
    assert.equal(freezer.sweep(clock.t + 10 * GRACE), 0, 'what is frozen is not frozen again');
  } finally { await close(); }
});

test('with a grace of 0 nothing is frozen; a sandbox that cannot be frozen is not asked again', async () => {
  const off = setup({ afterMs: 0 });
  try {
    off.instances.putIdle(await off.instances.open(v, null));
    assert.equal(off.freezer.sweep(off.clock.t + 3_600_000), 0);
    assert.equal(off.freezer.enabled, false);
  } finally { await off.close(); }

  const { clock, instances, freezer, sandboxOf, close } = setup();
  try {
    const inst = await instances.open(v, null);
    instances.putIdle(inst);
    sandboxOf(inst.id).freezable = false;
    assert.equal(freezer.sweep(clock.t + GRACE), 1);
    await eventually(() => freezer.sweep(clock.t + 2 * GRACE) === 0, 'the failed freeze to be noted');
    assert.equal(sandboxOf(inst.id).frozen, false);
  } finally { await close(); }
});

test('a frozen idle instance past the TTL is reaped: its sandbox is stopped and leaves the budget', async () => {
  const { clock, budget, instances, freezer, sandboxOf, close } = setup({ idleTtlMs: 10 * GRACE });
  try {
    const inst = await instances.open(v, null);
    instances.putIdle(inst);
    freezer.sweep(clock.t + GRACE);
    assert.equal(sandboxOf(inst.id).frozen, true);
    assert.equal(instances.reapIdle(clock.t + 10 * GRACE), 1);
    assert.equal(inst.state, 'stopping');
    assert.equal(budget.used(), 0);
    await eventually(() => sandboxOf(inst.id).stopped, 'the sandbox to stop');
    assert.deepEqual(sandboxOf(inst.id).events, ['freeze', 'stop']);
  } finally { await close(); }
});

test('at the budget, the least recently used idle instance is evicted frozen or not', async () => {
  const { clock, budget, instances, freezer, sandboxOf, close } = setup({ maxSandboxes: 2 });
  try {
    const old = await instances.open(v, null);
    instances.putIdle(old);
    clock.t += GRACE;
    freezer.sweep();
    const recent = await instances.open({ ...v, version: 2 }, null);
    instances.putIdle(recent);
    assert.deepEqual([sandboxOf(old.id).frozen, sandboxOf(recent.id).frozen], [true, false]);
    assert.equal(budget.hasRoom(), false);
    budget.makeRoom();
    assert.equal(old.state, 'stopping', 'the frozen one was the least recently used');
    assert.equal(recent.state, 'idle');
    await eventually(() => sandboxOf(old.id).stopped, 'the evicted sandbox to stop');
  } finally { await close(); }
});

test('provisioned instances are frozen while idle, never reaped, and thawed when taken', async () => {
  const { clock, instances, freezer, sandboxOf, close } = setup({ idleTtlMs: GRACE * 5 });
  try {
    const inst = await instances.open(v, null);
    instances.putIdle(inst);
    instances.setMinimums(new Map([[InstancePool.key(v), 1]]));
    freezer.sweep(clock.t + GRACE);
    assert.equal(instances.reapIdle(clock.t + 3_600_000), 0, 'kept however long it idles');
    assert.equal(sandboxOf(inst.id).frozen, true);
    const taken = instances.takeIdle(InstancePool.key(v))!;
    assert.equal(taken, inst);
    assert.equal(await instances.thaw(taken), true);
    assert.deepEqual(sandboxOf(inst.id).events, ['freeze', 'thaw']);
  } finally { await close(); }
});

test('a pre-warmed sandbox taken frozen is thawed first; one that dies frozen is dropped and replaced', async () => {
  const { clock, driver, generic, freezer, close } = setup({ size: 2 });
  try {
    generic.refill();
    await eventually(() => generic.readyCount('python', 128, 'none') === 2, 'the pool to fill');
    assert.equal(freezer.sweep(clock.t + GRACE), 2);
    const taken = (await generic.take('python3.11', 128, 'none')) as FakeSandbox;
    assert.deepEqual(taken.events, ['freeze', 'thaw']);
    assert.equal(taken.frozen, false);
    await taken.stop();

    await eventually(() => generic.readyCount('python', 128, 'none') === 2, 'the pool to refill');
    const frozen = driver.live().find((s) => s.frozen)!;
    assert.ok(frozen, 'the other one is still frozen');
    frozen.die(); // the host kills it while frozen (an OOM kill thaws its victim)
    await eventually(() => generic.readyCount('python', 128, 'none') === 2 && !generic.list().some((g) => g.id === frozen.id), 'the dead sandbox to be replaced');
    assert.equal(frozen.stopped, true, 'and what it left stopped');
  } finally { await close(); }
});

test('a pre-warmed sandbox being thawed for a cold start stays counted in the budget', async () => {
  const { clock, driver, budget, generic, freezer, close } = setup({ size: 1 });
  try {
    generic.refill();
    await eventually(() => generic.readyCount('python', 128, 'none') === 1, 'the pool to fill');
    assert.equal(freezer.sweep(clock.t + GRACE), 1);
    const sandbox = driver.live()[0]!;
    sandbox.thawMs = 50;
    const used = budget.used();
    const taking = generic.take('python3.11', 128, 'none');
    await eventually(() => generic.readyCount('python', 128, 'none') === 0, 'the sandbox to leave the ready list');
    assert.equal(sandbox.frozen, true, 'still thawing');
    assert.equal(budget.used(), used, 'held while it thaws, not by neither pool');
    assert.equal(await taking, sandbox);
  } finally { await close(); }
});
