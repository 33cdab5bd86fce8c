import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { GenericPool } from '../pool/generic-pool.js';
import { Lease, type Instance, type LeaseEnd } from '../pool/instance.js';
import { InstancePool } from '../pool/instance-pool.js';
import { InstanceStarter } from '../pool/instance-starter.js';
import { SandboxBudget } from '../pool/sandbox-budget.js';
import { FakeDriver } from '../../test/fakes/fake-driver.js';
import type { VersionRecord } from '../model/function.js';
import type { InvocationWithLog } from '../model/invocation.js';
import { Admission } from './admission.js';
import { Invoker } from './invoker.js';
import { Placement } from './placement.js';

const log = pino({ level: 'silent' });
const v: VersionRecord = {
  functionName: 'echo', version: 1, codeSha256: 'e'.repeat(64), codeSize: 1, runtime: 'python3.11', handler: 'handler.handler',
  memoryMb: 128, timeoutS: 3, env: {}, description: '', network: 'none', allow: [], createdAt: '', published: true,
};

function setup() {
  const driver = new FakeDriver();
  const budget = new SandboxBudget(4);
  const instances = new InstancePool({ driver, budget, log, idleTtlMs: 60_000 });
  const generic = new GenericPool({ driver, budget, log, classes: [] });
  const starter = new InstanceStarter({ generic, instances, log });
  const placement = new Placement({ instances, generic, starter, readCode: async () => Buffer.from('code'), log, maxColdStarts: 2 });
  const admission = new Admission({ nodeLimit: 4, queueWaitMs: 1000, maxQueued: 10, limitFor: () => null });
  const records: InvocationWithLog[] = [];
  const invoker = new Invoker({ resolve: () => v }, placement, admission, { record: (r) => records.push(r) }, log);
  return { driver, instances, invoker, records, admission, close: async () => { placement.shutdown(); await instances.shutdown(); await generic.shutdown(); } };
}

test('an invocation boots an instance, the next one reuses it warm; both are recorded and the instance ends idle', async () => {
  const { driver, instances, invoker, records, admission, close } = setup();
  try {
    const first = await invoker.invoke('echo', undefined, Buffer.from('{"n":1}'));
    assert.equal(first.status, 'success');
    assert.equal(first.start, 'boot');
    assert.equal(first.payload.toString(), '{"n":1}', 'the fake agent echoes the event');
    const second = await invoker.invoke('echo', undefined, Buffer.from('{"n":2}'));
    assert.equal(second.start, 'warm');
    assert.equal(driver.started.length, 1);
    assert.deepEqual(records.map((r) => [r.id, r.cold, r.status]), [[first.requestId, true, 'success'], [second.requestId, false, 'success']]);
    assert.deepEqual(instances.list().map((i) => [i.state, i.invocations]), [['idle', 2]]);
    assert.equal(admission.stats().inFlight, 0, 'the admission slot is given back');
  } finally { await close(); }
});

test('a sandbox that dies mid-invocation fails only that invocation, as a crash, and is retired', async () => {
  const { driver, instances, invoker, records, close } = setup();
  try {
    await invoker.invoke('echo', undefined, Buffer.from('{}'));
    driver.started[0]!.dieOnNextInvoke = true;
    const crashed = await invoker.invoke('echo', undefined, Buffer.from('{}'));
    assert.equal(crashed.status, 'crash');
    assert.equal(crashed.errorType, 'Runtime.ExitError');
    assert.equal(records.at(-1)!.status, 'crash');
    assert.deepEqual(instances.list().map((i) => i.state), ['stopping']);
    const next = await invoker.invoke('echo', undefined, Buffer.from('{}'));
    assert.equal(next.status, 'success');
    assert.notEqual(next.start, 'warm', 'a fresh instance, not the dead one');
  } finally { await close(); }
});

test('a lease releases its instance exactly once, and retires it when the invocation did not complete', async () => {
  const ends: LeaseEnd[] = [];
  const failing = { invoke: async () => { throw new Error('refused'); } } as unknown as Instance;
  const lease = new Lease(failing, (_i, end) => ends.push(end));
  await assert.rejects(lease.invoke({ requestId: 'r', deadlineMs: 0, timeoutMs: 1, invokedFunctionArn: '' }, Buffer.alloc(0), 10), /refused/);
  lease.release();
  lease.release();
  assert.deepEqual(ends, [{ keep: false, reason: 'the invocation did not complete' }]);

  const retiredEnds: LeaseEnd[] = [];
  const retired = new Lease({} as Instance, (_i, end) => retiredEnds.push(end));
  retired.retire('init failed');
  retired.release();
  assert.deepEqual(retiredEnds, [{ keep: false, reason: 'init failed' }]);
});
