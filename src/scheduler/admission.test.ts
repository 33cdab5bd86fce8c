import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission } from './admission.js';
import { SkyscaleError } from '../errors.js';

const limits = (m: Record<string, number>) => (fn: string) => m[fn] ?? null;

test('admits up to the node limit, queues the rest, and admits them as slots free', async () => {
  const a = new Admission({ nodeLimit: 2, queueWaitMs: 10_000, maxQueued: 10, limitFor: limits({}) });
  await a.admit('f');
  await a.admit('f');
  let third = false;
  const p = a.admit('f').then(() => { third = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(third, false);
  assert.deepEqual(a.stats(), { inFlight: 2, queued: 1, nodeLimit: 2 });
  a.release('f');
  await p;
  assert.equal(third, true);
});

test('a request that waits past the bounded wait gets TooManyRequests', async () => {
  const a = new Admission({ nodeLimit: 1, queueWaitMs: 30, maxQueued: 10, limitFor: limits({}) });
  await a.admit('f');
  await assert.rejects(a.admit('f'), (e: SkyscaleError) => e.type === 'TooManyRequests' && /maximum of 1/.test(e.message));
  assert.equal(a.stats().queued, 0);
});

test('a full queue refuses at once', async () => {
  const a = new Admission({ nodeLimit: 1, queueWaitMs: 10_000, maxQueued: 1, limitFor: limits({}) });
  await a.admit('f');
  const waiting = a.admit('f');
  await assert.rejects(a.admit('f'), /queue is full/);
  a.release('f');
  await waiting;
});

test('reserved concurrency limits one function without holding up another', async () => {
  const a = new Admission({ nodeLimit: 10, queueWaitMs: 30, maxQueued: 10, limitFor: limits({ slow: 1, off: 0 }) });
  await a.admit('slow');
  await assert.rejects(a.admit('slow'), /concurrency limit \(1\)/);
  await a.admit('other');
  await assert.rejects(a.admit('off'), /reserved concurrency of 0/);
});

test('freed slots go round-robin between waiting functions', async () => {
  const a = new Admission({ nodeLimit: 1, queueWaitMs: 10_000, maxQueued: 100, limitFor: limits({}) });
  await a.admit('busy');
  const order: string[] = [];
  const waits = [
    ...['a1', 'a2', 'a3'].map((n) => a.admit('a').then(() => order.push(n))),
    a.admit('b').then(() => order.push('b1')),
  ];
  for (let i = 0; i < 4; i++) {
    a.release(i === 0 ? 'busy' : order.at(-1)!.startsWith('a') ? 'a' : 'b');
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(waits);
  assert.deepEqual(order, ['a1', 'b1', 'a2', 'a3'], 'b is served before a\'s second request');
});
