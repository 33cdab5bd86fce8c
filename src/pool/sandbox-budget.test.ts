import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SandboxBudget, type BudgetHolder } from './sandbox-budget.js';

/** A holder of sandboxes of given sizes, the first `idle` of them evictable. */
function holder(sizes: number[], idle: number): BudgetHolder & { sizes: number[]; evicted: number } {
  const h = {
    sizes: [...sizes],
    evicted: 0,
    held: () => h.sizes.length,
    heldMemoryMb: () => h.sizes.reduce((a, b) => a + b, 0),
    evictOne: () => {
      if (h.evicted >= idle) return false;
      h.evicted++;
      h.sizes.shift();
      return true;
    },
  };
  return h;
}

test('room means both rules: the count and the memory limits', () => {
  const budget = new SandboxBudget(3, 1024);
  budget.join(holder([512, 256], 0), 0);
  assert.equal(budget.hasRoom(256), true);
  assert.equal(budget.hasRoom(512), false, 'memory would pass 1024 MB');
  assert.deepEqual(budget.use(), { sandboxes: 2, maxSandboxes: 3, memoryMb: 768, maxMemoryMb: 1024 });
});

test('making room evicts idle sandboxes, lowest rank first, until the memory fits', () => {
  const budget = new SandboxBudget(10, 1024);
  const instances = holder([256, 256], 2);
  const prewarmed = holder([256, 256], 2);
  budget.join(prewarmed, 1);
  budget.join(instances, 0);
  assert.equal(budget.makeRoom(512), true);
  assert.equal(instances.evicted, 2, 'idle instances go first');
  assert.equal(prewarmed.evicted, 0);
});

test('memory is a hard rule: with nothing idle to evict, making room fails; the count is a soft one', () => {
  const budget = new SandboxBudget(2, 1024);
  const busy = holder([512, 512], 0);
  budget.join(busy, 0);
  assert.equal(budget.makeRoom(128), false, 'no memory left and nothing to evict');
  const roomy = new SandboxBudget(2, 4096);
  roomy.join(holder([512, 512], 0), 0);
  assert.equal(roomy.makeRoom(128), true, 'over the count with nothing to evict: the start goes ahead');
});
