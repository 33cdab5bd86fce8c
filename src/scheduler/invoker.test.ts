import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Lease, type Instance, type LeaseEnd } from '../pool/instance.js';
import { FakeDriver } from '../../test/fakes/fake-driver.js';
import type { VersionRecord } from '../model/function.js';
import type { InvocationWithLog } from '../model/invocation.js';
import { createScheduler } from './assembly.js';

const log = pino({ level: 'silent' });
const v: VersionRecord = {
  functionName: 'echo', version: 1, codeSha256: 'e'.repeat(64), codeSize: 1, runtime: 'python3.11', handler: 'handler.handler',
  memoryMb: 128, timeoutS: 3, env: {}, secretEnv: {}, description: '', network: 'none', allow: [], createdAt: '', published: true,
};

function setup() {
  const driver = new FakeDriver();
  const records: InvocationWithLog[] = [];
  const scheduler = createScheduler({
    driver, log, versions: { resolve: () => v }, readCode: async () => Buffer.from('code'), records: { record: (r) => records.push(r) },
    settings: { maxSandboxes: 4, maxColdStarts: 2, idleTtlMs: 60_000, queueWaitMs: 1000, maxQueued: 10, warmPools: [], freezeAfterMs: 0 },
  });
  return { driver, records, ...scheduler, close: () => scheduler.shutdown() };
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

test('a failed init answers the init error, retires the instance exactly once, and is recorded once', async () => {
  const { driver, instances, invoker, records, admission, close } = setup();
  try {
    driver.failInits = 1;
    const failed = await invoker.invoke('echo', undefined, Buffer.from('{}'));
    assert.equal(failed.status, 'error');
    assert.equal(failed.functionError, 'Unhandled');
    assert.equal(failed.errorType, 'Runtime.ImportModuleError');
    assert.match(failed.log, /Traceback/);
    assert.deepEqual(records.map((r) => [r.id, r.status]), [[failed.requestId, 'error']]);
    assert.deepEqual(instances.list().map((i) => i.state), ['stopping'], 'retired, never counted busy again');
    assert.equal(driver.started[0]!.stopped, true);
    assert.equal(admission.stats().inFlight, 0);
    const next = await invoker.invoke('echo', undefined, Buffer.from('{"again":1}'));
    assert.equal(next.status, 'success');
    assert.equal(next.start, 'boot');
  } finally { await close(); }
});

test('a sandbox that cannot start fails the call with SandboxStartFailed, recorded once, the slot given back', async () => {
  const { driver, invoker, records, admission, close } = setup();
  try {
    driver.failNext = 1;
    await assert.rejects(invoker.invoke('echo', undefined, Buffer.from('{}'), 'req-1'), (err: Error & { type?: string }) => err.type === 'SandboxStartFailed');
    assert.deepEqual(records.map((r) => [r.id, r.status, r.errorType]), [['req-1', 'failed', 'SandboxStartFailed']]);
    assert.equal(admission.stats().inFlight, 0);
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

test('a log over the cap that reached the host anyway (an agent that did not cut it) is cut before it is recorded', async () => {
  const { driver, invoker, records, close } = setup();
  try {
    driver.handler = () => ({ log: 'y'.repeat(3 * 1024 * 1024) });
    await invoker.invoke('echo', undefined, Buffer.from('{}'));
    const [r] = records;
    assert.ok(r!.log.length < 2 * 256 * 1024 + 100, `kept ${r!.log.length}`);
    assert.match(r!.log, /\[skyscale\] log truncated: \d+ characters dropped\n$/);
    assert.equal(r!.logTruncated, true);
  } finally { await close(); }
});
