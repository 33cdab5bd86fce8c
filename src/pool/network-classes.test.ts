import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { eventually } from '../../test/fakes/eventually.js';
import { FakeDriver, type FakeSandbox } from '../../test/fakes/fake-driver.js';
import type { VersionRecord } from '../model/function.js';
import { GenericPool } from './generic-pool.js';
import { InstancePool } from './instance-pool.js';
import { InstanceStarter } from './instance-starter.js';
import { SandboxBudget } from './sandbox-budget.js';

const log = pino({ level: 'silent' });
const version = (network: 'none' | 'outbound', allow: string[] = []): VersionRecord => ({
  functionName: `f-${network}`, version: 1, codeSha256: 'a'.repeat(64), codeSize: 1, runtime: 'python3.11', handler: 'handler.handler',
  memoryMb: 128, timeoutS: 3, env: {}, secretEnv: {}, description: '', network, allow, createdAt: '', published: true,
});

function setup(outboundNetwork: boolean) {
  const driver = new FakeDriver();
  driver.capabilities = { isolated: true, memoryLimit: true, networkOff: true, outboundNetwork, freeze: null };
  const budget = new SandboxBudget(10);
  const generic = new GenericPool({ driver, budget, log, classes: [
    { runtime: 'python', memoryMb: 128, network: 'none', size: 1 }, { runtime: 'python', memoryMb: 128, network: 'outbound', size: 1 }] });
  const instances = new InstancePool({ driver, budget, log, idleTtlMs: 60_000 });
  const starter = new InstanceStarter({ generic, instances, log, maxInFlight: 4 });
  return { driver, generic, starter, close: async () => { await generic.shutdown(); await instances.shutdown(); } };
}

test('pre-warmed sandboxes are kept per network mode; a function takes one of its own mode and its allow entries open when its code is assigned', async () => {
  const { driver, generic, starter, close } = setup(true);
  try {
    generic.refill();
    await eventually(() => generic.readyCount('python3.11', 128, 'none') === 1 && generic.readyCount('python3.11', 128, 'outbound') === 1, 'both classes to fill');
    const out = await starter.start(version('outbound', ['10.1.2.3:5432']), Promise.resolve(Buffer.from('code')));
    assert.equal(out.from, 'pool');
    const sandbox = out.instance.sandbox as FakeSandbox;
    assert.equal(sandbox.spec.network, 'outbound');
    assert.deepEqual(sandbox.allowed, ['10.1.2.3:5432']);
    const none = await starter.start(version('none'), Promise.resolve(Buffer.from('code')));
    assert.equal(none.from, 'pool');
    assert.equal((none.instance.sandbox as FakeSandbox).spec.network ?? 'none', 'none');
    assert.equal(none.instance.sandbox.egress, undefined, 'no way out for network: none');
    assert.equal(driver.started.filter((s) => s.spec.network === 'outbound').length >= 1, true);
  } finally { await close(); }
});

test('a driver without outbound network pre-warms only network: none sandboxes', async () => {
  const { driver, generic, close } = setup(false);
  try {
    generic.refill();
    await eventually(() => generic.readyCount('python3.11', 128, 'none') === 1, 'the none class to fill');
    assert.equal(generic.readyCount('python3.11', 128, 'outbound'), 0);
    assert.ok(driver.started.every((s) => s.spec.network !== 'outbound'));
  } finally { await close(); }
});
