import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Instance, Lease } from '../pool/instance.js';
import { FakeDriver } from '../../test/fakes/fake-driver.js';
import { eventually } from '../../test/fakes/eventually.js';
import type { VersionRecord } from '../model/function.js';
import type { GenericPool } from '../pool/generic-pool.js';
import { createScheduler } from './assembly.js';

const log = pino({ level: 'silent' });

function version(name: string, n = 1, memoryMb = 128): VersionRecord {
  return { functionName: name, version: n, codeSha256: `${name}${n}`.padEnd(64, '0'), codeSize: 1, runtime: 'python3.11', handler: 'handler.handler',
    memoryMb, timeoutS: 3, env: {}, secretEnv: {}, description: '', network: 'none', allow: [], createdAt: '', published: true };
}

/** Placement over real pools on the fake driver; acquire/release by instance, as an invoker would through its lease. */
function setup(opts: { size: number; maxSandboxes: number; idleTtlMs?: number; maxColdStarts?: number; now?: () => number; memoryBudgetMb?: number; queueWaitMs?: number }) {
  const driver = new FakeDriver();
  const { instances, generic, placement, budget, shutdown } = createScheduler({
    driver, log, versions: { resolve: () => { throw new Error('placement only'); } }, readCode: async () => Buffer.from('code'), records: { record: () => undefined },
    settings: { maxSandboxes: opts.maxSandboxes, maxColdStarts: opts.maxColdStarts ?? 4, idleTtlMs: opts.idleTtlMs ?? 60_000, queueWaitMs: opts.queueWaitMs ?? 1000, maxQueued: 10, ...(opts.memoryBudgetMb ? { memoryBudgetMb: opts.memoryBudgetMb } : {}),
      warmPools: [{ runtime: 'python', memoryMb: 128, network: 'none', size: opts.size }], freezeAfterMs: 0 },
    ...(opts.now ? { now: opts.now } : {}),
  });
  const leases = new Map<Instance, Lease>();
  const pool = {
    async acquire(v: VersionRecord) {
      const placed = await placement.acquire(v);
      leases.set(placed.lease.instance, placed.lease);
      return { kind: placed.start === 'warm' ? 'warm' : 'cold', pooled: placed.start === 'pool', instance: placed.lease.instance, init: placed.init };
    },
    release(instance: Instance) {
      const lease = leases.get(instance)!;
      leases.delete(instance);
      lease.release();
    },
    drain: (fn: string, keep: Set<number>) => instances.drain(fn, keep, 'a newer version was deployed'),
    reapIdle: (now: number) => instances.reapIdle(now),
    list: () => instances.list(),
    occupied: () => instances.held(),
  };
  return { driver, generic, pool, budget, close: shutdown };
}

async function filled(generic: GenericPool, size: number): Promise<void> {
  generic.refill();
  await eventually(() => generic.readyCount('python3.11', 128, 'none') === size, 'the pool to fill');
}

test('the generic pool fills to its size and refills after a take', async () => {
  const { driver, generic, close } = setup({ size: 3, maxSandboxes: 10 });
  try {
    await filled(generic, 3);
    assert.equal(generic.readyCount('python3.11', 128, 'none'), 3);
    assert.ok(await generic.take('python3.12', 128, 'none'), 'any python3.x takes from the python class');
    assert.equal(await generic.take('python3.11', 256, 'none'), null, 'no class for 256 MB');
    await eventually(() => generic.readyCount('python3.11', 128, 'none') === 3, 'refill');
    assert.equal(driver.started.length, 4);
    assert.ok(driver.started.every((s) => s.spec.prestart === 'python'), 'pooled sandboxes are booted with the interpreter pre-started');
  } finally { await close(); }
});

test('a pooled sandbox that dies is replaced', async () => {
  const { driver, generic, close } = setup({ size: 2, maxSandboxes: 10 });
  try {
    await filled(generic, 2);
    driver.live()[0]!.die();
    await eventually(() => driver.started.length === 3 && generic.readyCount('python3.11', 128, 'none') === 2, 'replacement');
  } finally { await close(); }
});

test('failing boots back off instead of spinning', async () => {
  let now = 1_000_000;
  const { driver, generic, close } = setup({ size: 1, maxSandboxes: 10, now: () => now });
  try {
    driver.failNext = 1000;
    const attempts = () => 1000 - driver.failNext;
    generic.refill();
    await eventually(() => attempts() === 1 && generic.held() === 0, 'the first boot to fail');
    for (let i = 0; i < 50; i++) generic.refill();
    assert.equal(attempts(), 1, 'no new attempt while backing off');
    now += 30_000;
    generic.refill();
    await eventually(() => attempts() === 2 && generic.held() === 0, 'one more attempt once the back-off passed');
  } finally { await close(); }
});

test('first invocations take a pooled sandbox; the next one reuses the warm instance', async () => {
  const { driver, generic, pool, close } = setup({ size: 1, maxSandboxes: 10 });
  try {
    await filled(generic, 1);
    const first = await pool.acquire(version('f'));
    assert.equal(first.kind, 'cold');
    assert.equal(first.kind === 'cold' && first.pooled, true);
    pool.release(first.instance);
    const second = await pool.acquire(version('f'));
    assert.equal(second.kind, 'warm');
    assert.equal(second.instance, first.instance);
    pool.release(second.instance);
    const other = await pool.acquire(version('f', 2));
    assert.notEqual(other.instance, first.instance, 'another version never shares an instance');
    assert.ok(driver.started.length >= 2);
  } finally { await close(); }
});

test('at the sandbox budget, the least recently used idle instance is evicted', async () => {
  const { driver, pool, close } = setup({ size: 0, maxSandboxes: 2 });
  try {
    const a = await pool.acquire(version('a'));
    pool.release(a.instance);
    const b = await pool.acquire(version('b'));
    pool.release(b.instance);
    const c = await pool.acquire(version('c'));
    assert.equal(c.kind, 'cold');
    await eventually(() => a.instance.state === 'stopping' || driver.live().length === 2, 'eviction');
    assert.equal(a.instance.state, 'stopping', 'a was the least recently used');
    assert.equal(b.instance.state, 'idle');
  } finally { await close(); }
});

test('idle instances past the TTL are reaped, busy ones never', async () => {
  const { pool, close } = setup({ size: 0, maxSandboxes: 5, idleTtlMs: 1000 });
  try {
    const idle = await pool.acquire(version('a'));
    pool.release(idle.instance);
    const busy = await pool.acquire(version('b'));
    const t0 = idle.instance.lastUsedAt;
    assert.equal(pool.reapIdle(t0 + 999), 0);
    assert.equal(pool.reapIdle(t0 + 1000), 1);
    assert.equal(idle.instance.state, 'stopping');
    assert.equal(busy.instance.state, 'busy');
  } finally { await close(); }
});

test('a deploy drains idle instances of older versions only', async () => {
  const { pool, close } = setup({ size: 0, maxSandboxes: 5 });
  try {
    const v1 = await pool.acquire(version('f', 1));
    pool.release(v1.instance);
    const v2 = await pool.acquire(version('f', 2));
    pool.release(v2.instance);
    pool.drain('f', new Set([2]));
    assert.equal(v1.instance.state, 'stopping');
    assert.equal(v2.instance.state, 'idle');
  } finally { await close(); }
});

test('when calls are short, a busy version waits for its instance instead of starting more sandboxes', async () => {
  const { driver, pool, close } = setup({ size: 0, maxSandboxes: 10 });
  try {
    for (let i = 0; i < 3; i++) pool.release((await pool.acquire(version('quick'))).instance);
    assert.equal(driver.started.length, 1);
    const held = await pool.acquire(version('quick'));
    const next = pool.acquire(version('quick'));
    setTimeout(() => pool.release(held.instance), 5);
    const got = await next;
    assert.equal(got.kind, 'warm');
    assert.equal(got.instance, held.instance, 'handed over on release');
    assert.equal(driver.started.length, 1, 'no second sandbox');
  } finally { await close(); }
});

test('long calls scale out at once', async () => {
  const { driver, pool, close } = setup({ size: 0, maxSandboxes: 10 });
  try {
    const a = await pool.acquire(version('slow'));
    a.instance.markBusy(Date.now() - 10_000); // it has been running for 10 s
    pool.release(a.instance);
    const held = await pool.acquire(version('slow'));
    const second = await pool.acquire(version('slow'));
    assert.equal(second.kind, 'cold');
    assert.notEqual(second.instance, held.instance);
    assert.equal(driver.started.length, 2);
  } finally { await close(); }
});

for (const limit of [1, 3]) {
  test(`at most ${limit} cold start(s) run at once; the others wait for a slot`, async () => {
    const { driver, pool, close } = setup({ size: 0, maxSandboxes: 10, maxColdStarts: limit });
    try {
      driver.bootMs = 20;
      const calls = await Promise.all(Array.from({ length: 4 }, (_, i) => pool.acquire(version(`f${i}`))));
      assert.equal(new Set(calls.map((c) => c.instance)).size, 4);
      assert.equal(driver.peakBooting, limit, 'boots overlapped up to the limit and no further');
    } finally { await close(); }
  });
}

test('a caller waiting for a cold-start slot takes an instance of its version released meanwhile', async () => {
  const { driver, pool, close } = setup({ size: 0, maxSandboxes: 10, maxColdStarts: 1 });
  try {
    const held = await pool.acquire(version('other'));
    driver.bootMs = 50;
    const slow = pool.acquire(version('other2')); // takes the only cold-start slot for 50 ms
    const waiting = pool.acquire(version('other'));
    pool.release(held.instance);
    const got = await waiting;
    assert.equal(got.instance, held.instance, 'handed the released instance instead of waiting for the slot');
    await slow;
    assert.equal(driver.started.length, 2);
  } finally { await close(); }
});

test('a sandbox is counted once while it loads its code, so nothing is evicted early', async () => {
  const { driver, pool, close } = setup({ size: 0, maxSandboxes: 3 });
  try {
    const a = await pool.acquire(version('a'));
    pool.release(a.instance);
    driver.initMs = 50;
    const b = pool.acquire(version('b'));
    await eventually(() => pool.list().length === 2, 'b to be loading its code');
    await Promise.all([b, pool.acquire(version('c'))]);
    assert.equal(a.instance.state, 'idle', 'three sandboxes fit the budget of three');
    assert.equal(pool.occupied(), 3);
  } finally { await close(); }
});

test('short calls do not scale past two instances per cold-start slot (per core); callers queue instead', async () => {
  const { driver, pool, close } = setup({ size: 0, maxSandboxes: 10, maxColdStarts: 1 });
  try {
    const [a, b] = await Promise.all([pool.acquire(version('short')), pool.acquire(version('short'))]);
    pool.release(a.instance);
    pool.release(b.instance);
    for (let i = 0; i < 20; i++) {
      const got = await pool.acquire(version('short'));
      await new Promise((r) => setTimeout(r, 1));
      pool.release(got.instance); // the version's calls take about a millisecond: far below a cold start
    }
    const held = [await pool.acquire(version('short')), await pool.acquire(version('short'))];
    // A queue this long would, by expected wait alone, justify more sandboxes.
    const queued = Array.from({ length: 800 }, () => pool.acquire(version('short')).then((got) => { pool.release(got.instance); return got; }));
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(driver.started.length, 2, 'no third sandbox for short calls');
    for (const h of held) pool.release(h.instance);
    const all = await Promise.all(queued);
    assert.ok(all.every((g) => g.instance === held[0]!.instance || g.instance === held[1]!.instance), 'all served by the two instances');
    assert.equal(driver.started.length, 2);
  } finally { await close(); }
});

test('memory budget: the memory limits of busy and idle instances stay within it; an idle instance is evicted for a start that needs its memory', async () => {
  const { pool, budget, close } = setup({ size: 0, maxSandboxes: 10, memoryBudgetMb: 512 });
  try {
    const a = await pool.acquire(version('a', 1, 256));
    pool.release(a.instance); // idle
    const b = await pool.acquire(version('b', 1, 256)); // busy
    assert.equal(budget.usedMemoryMb(), 512);
    const c = await pool.acquire(version('c', 1, 256));
    assert.equal(c.kind, 'cold');
    assert.equal(a.instance.state, 'stopping', 'the idle instance made room, though the count had room');
    assert.equal(b.instance.state, 'busy');
    assert.ok(budget.usedMemoryMb() <= 512, `within the budget (${budget.usedMemoryMb()} MB)`);
  } finally { await close(); }
});

test('memory budget: with every instance busy, a start waits for room and takes it when an instance goes idle', async () => {
  const { driver, pool, budget, close } = setup({ size: 0, maxSandboxes: 10, memoryBudgetMb: 512, queueWaitMs: 60_000 });
  try {
    const a = await pool.acquire(version('a', 1, 256));
    const b = await pool.acquire(version('b', 1, 256));
    let placed = false;
    const c = pool.acquire(version('c', 1, 512)).then((got) => { placed = true; return got; });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(placed, false, 'no room: it waits');
    assert.equal(driver.started.length, 2, 'no sandbox started past the budget');
    pool.release(a.instance);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(placed, false, 'half the room is not enough for 512 MB');
    pool.release(b.instance);
    const got = await c;
    assert.equal(got.kind, 'cold');
    assert.equal(a.instance.state, 'stopping');
    assert.equal(b.instance.state, 'stopping');
    assert.equal(budget.usedMemoryMb(), 512);
  } finally { await close(); }
});

test('memory budget: when nothing frees up within the wait, the start is answered NodeMemoryFull (429)', async () => {
  const { driver, pool, close } = setup({ size: 0, maxSandboxes: 10, memoryBudgetMb: 512, queueWaitMs: 100 });
  try {
    await pool.acquire(version('a', 1, 512));
    await assert.rejects(pool.acquire(version('b', 1, 128)), (err: Error & { type?: string; status?: number }) => {
      assert.equal(err.type, 'NodeMemoryFull');
      assert.equal(err.status, 429);
      assert.match(err.message, /512 of 512 MB.*"b" needs 128 MB/);
      return true;
    });
    assert.equal(driver.started.length, 1);
  } finally { await close(); }
});

test('memory budget: the pre-warmed pool fills only as far as the memory budget allows', async () => {
  const { generic, budget, close } = setup({ size: 5, maxSandboxes: 10, memoryBudgetMb: 384 });
  try {
    generic.refill();
    await eventually(() => generic.readyCount('python3.11', 128, 'none') === 3, 'three 128 MB sandboxes');
    generic.refill();
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(generic.held(), 3);
    assert.equal(budget.usedMemoryMb(), 384);
  } finally { await close(); }
});
