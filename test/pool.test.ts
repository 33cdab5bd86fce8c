// The warm pool and the scheduler with real sandboxes: bounded queueing with 429s and
// no lost or duplicated invocations, idle reaping, the pre-warmed pool serving first
// invocations and refilling, and sandboxes that die while idle being replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { eventually, startTestServer, testSandbox, type TestServer } from './harness.js';

interface PoolView {
  generic: { id: string | null; state: string; memoryMb: number; network: string }[];
  instances: { id: string; function: string; version: number; state: string }[];
  admission: { inFlight: number; queued: number };
  budget: { sandboxes: number; maxSandboxes: number; memoryMb: number; maxMemoryMb: number };
}

async function poolOf(s: TestServer): Promise<PoolView> {
  return (await s.api('GET', '/v1/pool')).json() as PoolView;
}

function killSandbox(s: TestServer, id: string): void {
  execFileSync(s.driver.describe().runsc as string, [`--root=${join(s.dataDir, 'gvisor', 'runsc')}`, 'kill', '--all', id, 'KILL']);
}

const SLEEPER = 'import time\n\ndef handler(event, context):\n    time.sleep(event.get("sleep", 0))\n    return event["id"]\n';

test('a burst over the concurrency limit gets 429s after the bounded wait; nothing is lost or run twice', async () => {
  const s = await startTestServer({ SKYSCALE_MAX_SANDBOXES: '2', SKYSCALE_QUEUE_WAIT_MS: '300', SKYSCALE_WARM_POOL_SIZE: '0' });
  try {
    await s.deploy('burst', { 'handler.py': SLEEPER }, { timeout: 10 });
    const ids = Array.from({ length: 6 }, (_, i) => `call-${i}`);
    const results = await Promise.all(ids.map((id) => s.invoke('burst', { id, sleep: 1.5 })));
    const ok = results.filter((r) => r.status === 200);
    const throttled = results.filter((r) => r.status === 429);
    assert.equal(ok.length, 2, 'two ran (the node limit)');
    assert.equal(throttled.length, 4, 'the rest waited, then got 429');
    for (const r of throttled) {
      assert.equal(r.json().error.type, 'TooManyRequests');
      assert.match(r.json().error.message, /maximum of 2 invocations/);
    }
    const ran = ok.map((r) => r.json() as string).sort();
    assert.equal(new Set(ran).size, 2, 'each admitted call ran once');
    const logs = (await s.api('GET', '/v1/functions/burst/logs?limit=100')).json().invocations as { id: string; status: string }[];
    assert.deepEqual(logs.map((l) => l.id).sort(), ok.map((r) => r.headers.get('x-skyscale-request-id')).sort(), 'exactly the admitted calls are recorded');
    const after = await s.invoke('burst', { id: 'after' });
    assert.equal(after.json(), 'after', 'still serving');
  } finally {
    await s.stop();
  }
});

test('Event invocations that find the node busy wait in the queue, never failed by it, and each attempt is recorded under its own id', async () => {
  const s = await startTestServer({ SKYSCALE_MAX_SANDBOXES: '1', SKYSCALE_QUEUE_WAIT_MS: '100', SKYSCALE_WARM_POOL_SIZE: '0' });
  try {
    await s.deploy('events', { 'handler.py': SLEEPER }, { timeout: 10 });
    const ids: string[] = [];
    // a synchronous call holds the node's one sandbox while the events arrive
    const holding = s.invoke('events', { id: 'sync', sleep: 1 });
    for (const id of ['e1', 'e2', 'e3']) {
      const res = await s.api('POST', '/2015-03-31/functions/events/invocations', JSON.stringify({ id, sleep: 0.5 }), { 'x-amz-invocation-type': 'Event' });
      assert.equal(res.status, 202);
      ids.push(res.headers.get('x-amzn-requestid')!);
    }
    assert.equal((await holding).status, 200, 'the synchronous call was not kept waiting by the events');
    for (const id of ids) {
      const done = await eventually(async () => {
        const a = (await s.api('GET', `/v1/invocations/${id}`)).json().async as { state: string; attempts: { outcome: string; recordId: string }[] };
        return ['succeeded', 'failed', 'expired'].includes(a.state) ? a : null;
      }, `${id} to finish`, 30_000);
      assert.equal(done.state, 'succeeded', `${id} ran despite the busy node: ${JSON.stringify(done)}`);
      const last = done.attempts.at(-1)!;
      const record = await eventually(async () => {
        const r = await s.api('GET', `/v1/invocations/${last.recordId}`);
        return r.status === 200 ? r.json().invocation : null;
      }, `the record of ${last.recordId}`, 20_000);
      assert.equal(record.status, 'success');
    }
  } finally {
    await s.stop();
  }
});

test('reserved concurrency throttles one function while another keeps running', async () => {
  const s = await startTestServer({ SKYSCALE_QUEUE_WAIT_MS: '300', SKYSCALE_WARM_POOL_SIZE: '0' });
  try {
    await s.deploy('limited', { 'handler.py': SLEEPER }, { timeout: 10 });
    await s.deploy('free', { 'handler.py': SLEEPER }, { timeout: 10 });
    const put = await s.api('PUT', '/2017-10-31/functions/limited/concurrency', { ReservedConcurrentExecutions: 1 }, { 'content-type': 'application/json' });
    assert.equal(put.status, 200, put.body.toString());
    const results = await Promise.all([
      ...['l1', 'l2', 'l3'].map((id) => s.invoke('limited', { id, sleep: 1.2 })),
      ...['f1', 'f2'].map((id) => s.invoke('free', { id, sleep: 1.2 })),
    ]);
    const statuses = results.map((r) => r.status);
    assert.deepEqual(statuses.slice(0, 3).sort(), [200, 429, 429], 'one limited call ran, two were throttled');
    assert.deepEqual(statuses.slice(3), [200, 200], 'the other function was not held up');
    const throttled = results.find((r) => r.status === 429)!;
    assert.match(throttled.json().error.message, /concurrency limit \(1\)/);
  } finally {
    await s.stop();
  }
});

test('provisioned concurrency keeps warm instances ready, even past the idle TTL', async () => {
  const s = await startTestServer({ SKYSCALE_IDLE_TTL_SECONDS: '1', SKYSCALE_WARM_POOL_SIZE: '0' });
  try {
    await s.deploy('provisioned', { 'handler.py': SLEEPER });
    const put = await s.api('PUT', '/v1/functions/provisioned', { minWarm: 2 });
    assert.equal(put.json().function.minWarm, 2);
    const idleOf = async () => (await poolOf(s)).instances.filter((i) => i.function === 'provisioned' && i.state === 'idle').length;
    await eventually(async () => (await idleOf()) === 2, 'two provisioned instances', 20_000);
    const first = await s.invoke('provisioned', { id: 'p' });
    assert.equal(first.headers.get('x-skyscale-start'), 'warm', 'the first call found a ready instance');
    // (that provisioned instances outlive the idle TTL is unit-tested on the pool's reaper with its clock)
    await s.api('PUT', '/v1/functions/provisioned', { minWarm: 0 });
    await eventually(async () => (await idleOf()) === 0, 'scale to zero once unprovisioned', 20_000);
    const bad = await s.api('PUT', '/v1/functions/provisioned', { minWarm: -1 });
    assert.equal(bad.status, 400);
  } finally {
    await s.stop();
  }
});

test('idle instances are reaped after the idle TTL (scale to zero); the next call starts cold', async () => {
  const s = await startTestServer({ SKYSCALE_IDLE_TTL_SECONDS: '1', SKYSCALE_WARM_POOL_SIZE: '0' });
  try {
    await s.deploy('reaped', { 'handler.py': SLEEPER });
    assert.equal((await s.invoke('reaped', { id: 'a' })).headers.get('x-skyscale-cold-start'), 'true');
    assert.equal((await poolOf(s)).instances.filter((i) => i.function === 'reaped').length, 1);
    await eventually(async () => (await poolOf(s)).instances.every((i) => i.function !== 'reaped'), 'the idle instance to be reaped');
    assert.equal((await s.invoke('reaped', { id: 'b' })).headers.get('x-skyscale-cold-start'), 'true');
  } finally {
    await s.stop();
  }
});

test('first invocations take pre-warmed sandboxes, and the pool refills after being drained', async () => {
  const s = await startTestServer({ SKYSCALE_WARM_POOL_SIZE: '2' });
  try {
    // the functions below take the server's default network (outbound): count that class
    const ready = async () => (await poolOf(s)).generic.filter((g) => g.state === 'ready' && g.network === 'outbound').length;
    await eventually(async () => (await ready()) === 2, 'the pool to fill', 30_000);
    await s.deploy('p1', { 'handler.py': SLEEPER });
    await s.deploy('p2', { 'handler.py': SLEEPER });
    const [a, b] = await Promise.all([s.invoke('p1', { id: 'x' }), s.invoke('p2', { id: 'y' })]);
    assert.equal(a.json(), 'x');
    assert.equal(b.json(), 'y');
    assert.equal(a.headers.get('x-skyscale-start'), 'pool');
    assert.equal(b.headers.get('x-skyscale-start'), 'pool');
    await eventually(async () => (await ready()) === 2, 'the pool to refill', 30_000);
    const big = await s.deploy('big', { 'handler.py': SLEEPER }, { memory: 1024 });
    assert.equal(big, 1);
    assert.equal((await s.invoke('big', { id: 'z' })).headers.get('x-skyscale-start'), 'boot', 'no pre-warmed class for 1024 MB: booted');
  } finally {
    await s.stop();
  }
});

test('sandboxes that die while idle are replaced: warm instances dropped, pooled ones refilled', { skip: testSandbox() !== 'gvisor' ? 'needs gVisor' : false }, async () => {
  // Not frozen: `runsc kill` waits for a frozen sandbox (test/freeze.test.ts kills frozen ones).
  const s = await startTestServer({ SKYSCALE_WARM_POOL_SIZE: '1', SKYSCALE_FREEZE_AFTER_MS: '0' });
  try {
    await s.deploy('fragile', { 'handler.py': SLEEPER });
    assert.equal((await s.invoke('fragile', { id: '1' })).json(), '1');
    const instance = (await poolOf(s)).instances.find((i) => i.function === 'fragile')!;
    killSandbox(s, instance.id);
    await eventually(async () => !(await poolOf(s)).instances.some((i) => i.id === instance.id), 'the dead instance to be dropped');
    const next = await s.invoke('fragile', { id: '2' });
    assert.equal(next.json(), '2');
    assert.equal(next.headers.get('x-skyscale-cold-start'), 'true');

    const pooled = (await eventually(async () => (await poolOf(s)).generic.find((g) => g.state === 'ready' && g.id), 'a pre-warmed sandbox', 30_000))!;
    killSandbox(s, pooled.id!);
    await eventually(async () => {
      const ready = (await poolOf(s)).generic.filter((g) => g.state === 'ready' && g.network === pooled.network);
      return ready.length === 1 && ready[0]!.id !== pooled.id;
    }, 'the pool to replace its dead sandbox', 30_000);
  } finally {
    await s.stop();
  }
});

test('memory budget: idle instances are evicted for a start that needs their memory; with every sandbox busy the start waits, then gets 429 NodeMemoryFull', async () => {
  const s = await startTestServer({ SKYSCALE_MEMORY_BUDGET: '1024', SKYSCALE_QUEUE_WAIT_MS: '800', SKYSCALE_WARM_POOL_SIZE: '0' });
  try {
    await s.deploy('small', { 'handler.py': SLEEPER }, { memory: 256, timeout: 10 });
    await s.deploy('big', { 'handler.py': SLEEPER }, { memory: 768, timeout: 10 });
    await s.deploy('medium', { 'handler.py': SLEEPER }, { memory: 512, timeout: 10 });
    assert.equal((await s.invoke('small', { id: 's' })).json(), 's');
    assert.equal((await s.invoke('big', { id: 'b' })).json(), 'b');
    let pool = await poolOf(s);
    assert.deepEqual(pool.instances.map((i) => i.function).sort(), ['big', 'small'], '256 + 768 MB fit the 1024 MB budget');
    // 512 MB more: both idle instances have to go
    assert.equal((await s.invoke('medium', { id: 'm' })).json(), 'm');
    pool = await poolOf(s);
    assert.deepEqual(pool.instances.filter((i) => i.state !== 'stopping').map((i) => i.function), ['medium']);
    assert.ok(pool.budget.memoryMb <= 1024 && pool.budget.maxMemoryMb === 1024, `within the budget: ${JSON.stringify(pool.budget)}`);

    // big runs for a while (medium, idle, is evicted for it); medium's next call cannot fit beside it
    const running = s.invoke('big', { id: 'long', sleep: 4 });
    await eventually(async () => (await poolOf(s)).instances.some((i) => i.function === 'big' && i.state === 'busy'), 'big to be running');
    const refused = await s.invoke('medium', { id: 'm2' });
    assert.equal(refused.status, 429);
    assert.equal(refused.json().error.type, 'NodeMemoryFull');
    assert.match(refused.json().error.message, /memory limits add up to 768 of 1024 MB.*"medium" needs 512 MB/);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal((await running).json(), 'long', 'the running invocation was not disturbed');
    // once big is idle it can be evicted: medium runs
    assert.equal((await s.invoke('medium', { id: 'm3' })).json(), 'm3');
  } finally {
    await s.stop();
  }
});
