// Frozen instances as an invocation meets them: thawed before the invocation starts
// (its deadline after the thaw), never frozen while a version is called more often
// than the grace period, and timed out and retired like any other when thawed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { GenericPool } from '../pool/generic-pool.js';
import { IdleFreezer } from '../pool/idle-freezer.js';
import { InstancePool } from '../pool/instance-pool.js';
import { InstanceStarter } from '../pool/instance-starter.js';
import { SandboxBudget } from '../pool/sandbox-budget.js';
import { eventually } from '../../test/fakes/eventually.js';
import { FakeDriver } from '../../test/fakes/fake-driver.js';
import type { VersionRecord } from '../model/function.js';
import { Admission } from './admission.js';
import { Invoker } from './invoker.js';
import { Placement } from './placement.js';

const log = pino({ level: 'silent' });
const GRACE = 1000;

function version(timeoutS = 3): VersionRecord {
  return { functionName: 'f', version: 1, codeSha256: 'f'.repeat(64), codeSize: 1, runtime: 'python3.11', handler: 'handler.handler',
    memoryMb: 128, timeoutS, env: {}, secretEnv: {}, description: '', network: 'none', allow: [], createdAt: '', published: true };
}

/** An invoker over real pools on the fake driver, with the pools' idle clock moved by hand. */
function setup(v: VersionRecord) {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const driver = new FakeDriver();
  const budget = new SandboxBudget(4);
  const instances = new InstancePool({ driver, budget, log, idleTtlMs: 600_000, now });
  const generic = new GenericPool({ driver, budget, log, classes: [], now });
  const freezer = new IdleFreezer({ afterMs: GRACE, sources: [instances, generic], log, now });
  freezer.shutdown(); // swept by hand
  const starter = new InstanceStarter({ generic, instances, log, maxInFlight: 2 });
  const placement = new Placement({ instances, starter, readCode: async () => Buffer.from('code'), log, maxColdStarts: 2, budget, roomWaitMs: 1000 });
  const admission = new Admission({ nodeLimit: 4, queueWaitMs: 1000, maxQueued: 10, limitFor: () => null });
  const invoker = new Invoker({ resolve: () => v }, placement, admission, { record: () => {} }, log);
  const invoke = () => invoker.invoke('f', undefined, Buffer.from('{}'));
  return { clock, driver, instances, freezer, invoke, close: async () => { placement.shutdown(); await instances.shutdown(); await generic.shutdown(); } };
}

test('a frozen warm instance is thawed before its invocation runs, and the deadline starts after the thaw', async () => {
  const { clock, driver, freezer, invoke, close } = setup(version());
  try {
    assert.equal((await invoke()).start, 'boot');
    const sandbox = driver.started[0]!;
    clock.t += GRACE;
    assert.equal(freezer.sweep(), 1);
    assert.equal(sandbox.frozen, true);
    sandbox.thawMs = 30;
    const warm = await invoke();
    assert.equal(warm.status, 'success');
    assert.equal(warm.start, 'warm', 'the frozen instance served: no cold start');
    assert.deepEqual(sandbox.events, ['freeze', 'thaw']);
    const call = sandbox.invokes.at(-1)!;
    assert.ok(call.deadlineMs - call.timeoutMs >= sandbox.thawedAt, 'the invocation was timed from after the thaw');
  } finally { await close(); }
});

test('a version called more often than the grace period never freezes, and its calls never thaw', async () => {
  const { clock, driver, freezer, invoke, close } = setup(version());
  try {
    await invoke();
    for (let i = 0; i < 50; i++) {
      clock.t += GRACE - 1;
      freezer.sweep();
      assert.equal((await invoke()).start, 'warm');
    }
    assert.deepEqual(driver.started.map((s) => s.events), [[]], 'one instance, never frozen nor thawed');
    clock.t += GRACE;
    assert.equal(freezer.sweep(), 1, 'once the calls stop it freezes');
  } finally { await close(); }
});

test('a thawed instance whose handler runs past its timeout is timed out and retired; the next call starts afresh', async () => {
  const { clock, driver, instances, freezer, invoke, close } = setup(version(0.05));
  try {
    await invoke();
    const sandbox = driver.started[0]!;
    clock.t += GRACE;
    freezer.sweep();
    sandbox.invokeMs = 5000; // far past the 50 ms timeout
    const timedOut = await invoke();
    assert.equal(timedOut.status, 'timeout');
    assert.equal(timedOut.start, 'warm');
    assert.deepEqual(sandbox.events.slice(0, 2), ['freeze', 'thaw']);
    await eventually(() => sandbox.stopped, 'the timed-out instance to be stopped');
    assert.deepEqual(instances.list().filter((i) => i.state !== 'stopping'), []);
    sandbox.invokeMs = 0;
    const next = await invoke();
    assert.equal(next.status, 'success');
    assert.equal(next.start, 'boot', 'a new instance, not the timed-out one');
  } finally { await close(); }
});

test('an instance that dies while frozen is dropped, not handed out; the call gets a new one', async () => {
  const { clock, driver, invoke, freezer, close } = setup(version());
  try {
    await invoke();
    clock.t += GRACE;
    freezer.sweep();
    driver.started[0]!.die();
    const next = await invoke();
    assert.equal(next.status, 'success');
    assert.equal(next.start, 'boot');
    assert.equal(driver.started.length, 2);
  } finally { await close(); }
});
