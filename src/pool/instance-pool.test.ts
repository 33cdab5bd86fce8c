import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FakeDriver } from '../../test/fakes/fake-driver.js';
import type { VersionRecord } from '../model/function.js';
import { InstancePool } from './instance-pool.js';
import { SandboxBudget } from './sandbox-budget.js';

const log = pino({ level: 'silent' });
const v = { functionName: 'p', version: 1, codeSha256: 'a'.repeat(64), memoryMb: 128 } as VersionRecord;

test('idle instances past the TTL are reaped, except a version provisioned minimum; the budget counts what is held', async () => {
  const budget = new SandboxBudget(3);
  const pool = new InstancePool({ driver: new FakeDriver(), budget, log, idleTtlMs: 1000 });
  try {
    const [a, b] = [await pool.open(v, null), await pool.open(v, null)];
    assert.equal(budget.used(), 2);
    pool.putIdle(a);
    pool.putIdle(b);
    pool.setMinimums(new Map([[InstancePool.key(v), 1]]));
    const t = Math.max(a.lastUsedAt, b.lastUsedAt);
    assert.equal(pool.reapIdle(t + 999), 0);
    assert.equal(pool.reapIdle(t + 1000), 1, 'one over the minimum goes');
    assert.equal(pool.reapIdle(t + 60_000), 0, 'the provisioned one stays however long it idles');
    assert.deepEqual([a.state, b.state].sort(), ['idle', 'stopping']);
    assert.equal(budget.used(), 1, 'a stopping instance leaves the budget at once');
  } finally { await pool.shutdown(); }
});

test('at the budget, making room evicts the least recently used idle instance', async () => {
  const budget = new SandboxBudget(2);
  const pool = new InstancePool({ driver: new FakeDriver(), budget, log, idleTtlMs: 60_000 });
  try {
    const a = await pool.open(v, null);
    const b = await pool.open({ ...v, version: 2 }, null);
    pool.putIdle(a);
    pool.putIdle(b);
    a.lastUsedAt -= 10;
    assert.equal(budget.hasRoom(), false);
    budget.makeRoom();
    assert.equal(a.state, 'stopping');
    assert.equal(b.state, 'idle');
    assert.equal(budget.hasRoom(), true);
  } finally { await pool.shutdown(); }
});
