// The pre-warmed pool per runtime family: Node.js sandboxes are started prestarted for
// their family, and a `whenUsed` class is kept only while a deployed function needs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { eventually } from '../../test/fakes/eventually.js';
import { FakeDriver } from '../../test/fakes/fake-driver.js';
import { GenericPool, runtimeFamily } from './generic-pool.js';
import { SandboxBudget } from './sandbox-budget.js';

const log = pino({ level: 'silent' });

test('runtime names map to pool classes: every python3.* to python, each Node.js major to its own', () => {
  assert.equal(runtimeFamily('python3.8'), 'python');
  assert.equal(runtimeFamily('python3.11'), 'python');
  assert.equal(runtimeFamily('nodejs22.x'), 'node22');
  assert.equal(runtimeFamily('nodejs24.x'), 'node24');
});

test('Node.js classes are kept only while a deployed function uses them, prestarted for their family, and let go after', async () => {
  const driver = new FakeDriver();
  driver.capabilities = { isolated: true, memoryLimit: true, networkOff: true, outboundNetwork: true, freeze: null };
  let inUse = new Set<string>();
  const generic = new GenericPool({
    driver, budget: new SandboxBudget(20), log, inUse: () => inUse, classes: [
      { runtime: 'python', memoryMb: 128, network: 'none', size: 1 },
      { runtime: 'node22', memoryMb: 128, network: 'none', size: 2, whenUsed: true },
      { runtime: 'node24', memoryMb: 128, network: 'none', size: 2, whenUsed: true },
    ],
  });
  try {
    generic.refill();
    await eventually(() => generic.readyCount('python3.11', 128, 'none') === 1, 'the python class to fill');
    assert.equal(generic.readyCount('nodejs22.x', 128, 'none') + generic.readyCount('nodejs24.x', 128, 'none'), 0, 'no Node.js sandbox while no function uses one');
    assert.deepEqual(driver.started.map((s) => s.spec.prestart), ['python']);

    inUse = new Set(['node22:none']);
    generic.refill();
    await eventually(() => generic.readyCount('nodejs22.x', 128, 'none') === 2, 'the node22 class to fill');
    assert.equal(generic.readyCount('nodejs24.x', 128, 'none'), 0, 'node24: still nobody');
    assert.deepEqual(driver.started.filter((s) => s.spec.prestart === 'node22').length, 2);
    const taken = await generic.take('nodejs22.x', 128, 'none');
    assert.ok(taken, 'a nodejs22.x function takes a node22 sandbox');

    inUse = new Set();
    generic.refill();
    assert.equal(generic.readyCount('nodejs22.x', 128, 'none'), 0, 'the last node22 function gone: its idle sandboxes are stopped');
    assert.equal(generic.readyCount('python3.11', 128, 'none'), 1, 'python is always kept');
    await taken.stop();
  } finally { await generic.shutdown(); }
});
