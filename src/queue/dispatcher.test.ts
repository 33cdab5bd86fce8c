// The durable queue without HTTP: group commit in the intake, the dispatcher's claims
// against a real SQLite file, its respect for synchronous callers waiting in
// admission, what a restart does with events left running, and a stop mid-attempt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { eventually } from '../../test/fakes/eventually.js';
import { SkyscaleError } from '../errors.js';
import { ASYNC_DEFAULTS } from '../model/async-invocation.js';
import { AsyncEventsTable } from '../store/async-events-table.js';
import { openDatabase, type Db } from '../store/database.js';
import type { InvocationOutcome } from '../scheduler/invoker.js';
import { AsyncDispatcher, type EventRunner } from './dispatcher.js';
import { EventIntake } from './event-intake.js';

const log = pino({ level: 'silent' });

function withDb<T>(fn: (db: Db, path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-queue-'));
  const db = openDatabase(join(dir, 'q.db'));
  return fn(db, join(dir, 'q.db')).finally(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

const success = (requestId: string): InvocationOutcome => ({
  requestId, functionName: 'f', version: 1, status: 'success', functionError: null, errorType: null, errorMessage: null,
  payload: Buffer.from('{}'), start: 'warm', initMs: null, durationMs: 1, cpuMs: null, log: '', logTruncated: false,
});

/** A runner that records each call and answers when the test says so. */
function heldRunner() {
  const calls: { requestId: string; recordId: string | undefined; finish: () => void }[] = [];
  const runner: EventRunner = {
    invoke: (_fn, _q, _e, requestId, recordId) => new Promise((resolve) => calls.push({ requestId, recordId, finish: () => resolve(success(requestId)) })),
  };
  return { calls, runner };
}

const event = (id: string) => ({ id, functionName: 'f', qualifier: null, payload: Buffer.from('{}'), acceptedAt: new Date().toISOString() });

test('events accepted in the same turn share one commit, and each caller resolves only once its event is in the database', async () => {
  await withDb(async (db) => {
    const table = new AsyncEventsTable(db);
    let woken = 0;
    const intake = new EventIntake({ store: table, windowMs: 0, maxGroup: 512, onCommitted: () => woken++ });
    const ids = Array.from({ length: 50 }, (_, i) => `e${i}`);
    const accepted = ids.map((id) => intake.accept(event(id)).then(() => assert.ok(table.get(id), `${id} is stored when its caller hears so`)));
    assert.equal(table.get('e0'), undefined, 'nothing is committed before the group closes');
    await Promise.all(accepted);
    assert.equal(intake.commits, 1);
    assert.equal(woken, 1);
    const overflow = new EventIntake({ store: table, windowMs: 1000, maxGroup: 10, onCommitted: () => {} });
    await Promise.all(Array.from({ length: 10 }, (_, i) => overflow.accept(event(`g${i}`))));
    assert.equal(overflow.commits, 1, 'a full group is committed at once, without waiting out the window');
    overflow.close();
    await assert.rejects(overflow.accept(event('late')), { type: 'ServerUnavailable' });
  });
});

test('while synchronous invocations wait in admission, no event is claimed; once they are served, the queue drains', async () => {
  await withDb(async (db) => {
    const table = new AsyncEventsTable(db);
    table.insertMany([event('a'), event('b')]);
    const { calls, runner } = heldRunner();
    let waiting = 3;
    let looks = 0;
    const d = new AsyncDispatcher({
      table, settingsFor: () => ASYNC_DEFAULTS, runner, capacity: () => (looks++, { inFlight: 1, queued: waiting, nodeLimit: 4 }),
      concurrency: 1, retryBaseMs: 10, log, busyPollMs: 5,
    });
    d.start();
    await eventually(() => looks >= 3, 'the dispatcher to look at the node three times');
    assert.equal(calls.length, 0, 'no event while callers wait');
    assert.equal(table.get('a')!.state, 'queued');
    waiting = 0;
    await eventually(() => calls.length === 1, 'the first event to run');
    assert.equal(d.inFlight, 1, 'at most `concurrency` at once');
    calls[0]!.finish();
    await eventually(() => calls.length === 2, 'the second event to run');
    calls[1]!.finish();
    await eventually(() => table.get('b')!.state === 'succeeded', 'both to finish');
    assert.deepEqual(calls.map((c) => [c.requestId, c.recordId]), [['a', 'a.1'], ['b', 'b.1']]);
    d.close();
  });
});

test('a restart runs again what was running when the server stopped (the attempt marked interrupted), and never what had finished', async () => {
  await withDb(async (db) => {
    const table = new AsyncEventsTable(db);
    table.insertMany([event('done'), event('cut')]);
    const first = heldRunner();
    const before = new AsyncDispatcher({ table, settingsFor: () => ASYNC_DEFAULTS, runner: first.runner, capacity: () => ({ inFlight: 0, queued: 0, nodeLimit: 4 }), concurrency: 2, retryBaseMs: 10, log });
    before.start();
    await eventually(() => first.calls.length === 2, 'both events to start');
    first.calls.find((c) => c.requestId === 'done')!.finish();
    await eventually(() => table.get('done')!.state === 'succeeded', 'one to finish');
    before.close(); // the server stops: "cut" is still running
    first.calls.find((c) => c.requestId === 'cut')!.finish();
    await new Promise((r) => setImmediate(r));
    assert.equal(table.get('cut')!.state, 'running', 'an attempt that ends after the stop is not recorded');

    const second = heldRunner();
    const after = new AsyncDispatcher({ table, settingsFor: () => ASYNC_DEFAULTS, runner: second.runner, capacity: () => ({ inFlight: 0, queued: 0, nodeLimit: 4 }), concurrency: 2, retryBaseMs: 10, log });
    after.start();
    await eventually(() => second.calls.length === 1, 'the interrupted event to run again');
    second.calls[0]!.finish();
    await eventually(() => table.get('cut')!.state === 'succeeded', 'it to finish');
    assert.deepEqual(second.calls.map((c) => [c.requestId, c.recordId]), [['cut', 'cut.2']], 'only the interrupted one ran again');
    assert.deepEqual(table.attempts('cut').map((a) => a.outcome), ['interrupted', 'success']);
    assert.deepEqual(table.attempts('done').map((a) => a.outcome), ['success']);
    assert.equal(table.get('cut')!.failures, 0, 'an interruption uses up no retry');
    after.close();
  });
});

test('age is read on the clock given: an event accepted longer ago than its maximum age expires when its turn comes, unrun', async () => {
  await withDb(async (db) => {
    const table = new AsyncEventsTable(db);
    table.insertMany([event('old')]);
    const { calls, runner } = heldRunner();
    let clock = Date.now();
    const d = new AsyncDispatcher({
      table, settingsFor: () => ({ maxRetryAttempts: 2, maxEventAgeSeconds: 60 }), runner, capacity: () => ({ inFlight: 0, queued: 0, nodeLimit: 4 }),
      concurrency: 1, retryBaseMs: 10, log, now: () => clock,
    });
    clock += 61_000;
    d.start();
    await eventually(() => table.get('old')!.state === 'expired', 'the event to expire');
    assert.equal(calls.length, 0);
    assert.deepEqual(table.attempts('old').map((a) => [a.outcome, a.errorType]), [['expired', 'EventAgeExceeded']]);
    assert.match(table.get('old')!.reason!, /^EventAgeExceeded: the event was 61 s old/);
    d.close();
  });
});

test('finished events are pruned once older than the cutoff, with their attempts; waiting ones never are', async () => {
  await withDb(async (db) => {
    const table = new AsyncEventsTable(db);
    table.insertMany([event('old'), event('waiting')]);
    const [claimed] = table.settleAndClaim([], new Date().toISOString(), 1);
    table.settleAndClaim([{ id: claimed!.id, attempt: 1, end: { outcome: 'success', errorType: null, durationMs: 1, finishedAt: '2020-01-01T00:00:00.000Z', state: 'succeeded', failed: false } }], new Date().toISOString(), 0);
    assert.equal(table.deleteFinishedBefore('2019-12-31T00:00:00.000Z', 10), 0, 'not older than the cutoff');
    assert.equal(table.deleteFinishedBefore(new Date().toISOString(), 10), 1);
    assert.equal(table.get(claimed!.id), undefined);
    assert.deepEqual(table.attempts(claimed!.id), [], 'its attempts went with it');
    assert.equal(table.get(claimed!.id === 'old' ? 'waiting' : 'old')!.state, 'queued');
  });
});

test('an attempt refused for the node\'s memory (NodeMemoryFull, a 429) is a throttle: retried, using up no retry', async () => {
  await withDb(async (db) => {
    const table = new AsyncEventsTable(db);
    table.insertMany([event('m')]);
    let calls = 0;
    const runner: EventRunner = {
      invoke: async (_fn, _q, _e, requestId) => {
        calls++;
        if (calls <= 3) throw new SkyscaleError('NodeMemoryFull', 'no memory for a start');
        return success(requestId);
      },
    };
    const d = new AsyncDispatcher({
      table, settingsFor: () => ({ maxRetryAttempts: 0, maxEventAgeSeconds: 60 }), runner, capacity: () => ({ inFlight: 0, queued: 0, nodeLimit: 4 }),
      concurrency: 1, retryBaseMs: 60, log,
    });
    d.start();
    await eventually(() => table.get('m')!.state === 'succeeded', 'the event to run once memory is free');
    assert.deepEqual(table.attempts('m').map((a) => [a.outcome, a.errorType]), [
      ['throttled', 'NodeMemoryFull'], ['throttled', 'NodeMemoryFull'], ['throttled', 'NodeMemoryFull'], ['success', null]]);
    assert.equal(table.get('m')!.failures, 0);
    d.close();
  });
});
