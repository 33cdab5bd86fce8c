// The schedules' firing loop on a fake clock against a real SQLite file and the queue's
// real intake: on time, missed slots once after downtime, never twice across a restart
// on the same database, pause and resume, and the event's EventBridge shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SkyscaleError } from '../errors.js';
import { EventIntake } from '../queue/event-intake.js';
import { AsyncEventsTable } from '../store/async-events-table.js';
import { openDatabase, type Db } from '../store/database.js';
import { SchedulesTable } from '../store/schedules-table.js';
import { ScheduleRunner, type ScheduleClock } from './schedule-runner.js';
import { Schedules } from './schedules.js';

const log = pino({ level: 'silent' });
const T0 = Date.parse('2026-12-02T08:59:30Z');

/** A clock the test moves by hand; timers due by then run as it moves. */
class FakeClock implements ScheduleClock {
  private timers = new Map<number, { at: number; fn: () => void }>();
  private seq = 0;
  constructor(public t: number) {}
  now = () => this.t;
  setTimer = (fn: () => void, ms: number) => { this.timers.set(++this.seq, { at: this.t + ms, fn }); return this.seq; };
  clearTimer = (h: unknown) => { this.timers.delete(h as number); };
  get pending(): number[] { return [...this.timers.values()].map((x) => x.at); }
  advanceTo(t: number): void {
    this.t = t;
    for (const [id, timer] of [...this.timers]) {
      if (timer.at <= t) {
        this.timers.delete(id);
        timer.fn();
      }
    }
  }
}

interface Node { clock: FakeClock; runner: ScheduleRunner; schedules: Schedules; events: () => { id: string; function_name: string; payload: Buffer }[]; close(): void }

/** One "server" on a database: a runner, the service and the intake; close() is its shutdown. */
function node(db: Db, clock: FakeClock): Node {
  const table = new SchedulesTable(db);
  const intake = new EventIntake({ store: new AsyncEventsTable(db), windowMs: 0, maxGroup: 512, onCommitted: () => {} });
  const runner = new ScheduleRunner({ table, intake, clock, log });
  const functions = { get: (name: string) => { if (name !== 'f') throw new SkyscaleError('FunctionNotFound', `no function ${name}`); return {}; } };
  const schedules = new Schedules(table, runner, functions, clock, 60);
  return {
    clock, runner, schedules,
    events: () => db.prepare('SELECT id, function_name, payload FROM async_events ORDER BY accepted_at, id').all() as { id: string; function_name: string; payload: Buffer }[],
    close() { runner.close(); intake.close(); },
  };
}

async function withDb(fn: (db: Db) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-sched-'));
  const db = openDatabase(join(dir, 's.db'));
  db.prepare("INSERT INTO functions (name, runtime, handler, memory_mb, timeout_s, created_at, updated_at) VALUES ('f', 'python3.12', 'h.h', 128, 3, '', '')").run();
  try {
    await fn(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const payloadOf = (e: { payload: Buffer }) => JSON.parse(e.payload.toString()) as Record<string, unknown>;

test('a cron schedule fires on its slot, once, with an EventBridge scheduled event, and the timer waits for the next slot', async () => {
  await withDb(async (db) => {
    const n = node(db, new FakeClock(T0));
    n.runner.start();
    n.schedules.create('f', { name: 'morning', expression: '0 9 * * *' });
    await n.runner.settled();
    assert.equal(n.events().length, 0);
    assert.deepEqual(n.clock.pending, [Date.parse('2026-12-02T09:00:00Z')], 'one timer, at the slot: no polling');
    assert.equal(n.runner.nextWake, Date.parse('2026-12-02T09:00:00Z'));
    n.clock.advanceTo(Date.parse('2026-12-02T09:00:00.005Z'));
    await n.runner.settled();
    const events = n.events();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.function_name, 'f');
    assert.deepEqual(payloadOf(events[0]!), {
      version: '0', id: events[0]!.id, 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000',
      time: '2026-12-02T09:00:00Z', region: 'local', resources: ['arn:aws:scheduler:local:000000000000:schedule/f/morning'], detail: {},
    });
    assert.equal(n.runner.nextWake, Date.parse('2026-12-03T09:00:00Z'));
    assert.deepEqual(n.clock.pending, [Date.parse('2026-12-02T10:00:00.005Z')], 'a long wait is cut into hours (a wall clock set forward is noticed)');
    n.clock.advanceTo(Date.parse('2026-12-02T10:00:00.005Z'));
    await n.runner.settled();
    assert.equal(n.events().length, 1, 'waking early fires nothing');
    const view = n.schedules.get('f', 'morning');
    assert.equal(view.fired, 1);
    assert.equal(view.lastSlot, '2026-12-02T09:00:00.000Z');
    assert.equal(view.nextFiring, '2026-12-03T09:00:00.000Z');
    n.close();
  });
});

test('after downtime the missed slots fire once, and a restart on the same database never fires a slot twice', async () => {
  await withDb(async (db) => {
    const first = node(db, new FakeClock(T0));
    first.runner.start();
    first.schedules.create('f', { name: 'minutely', expression: 'rate(1 minute)', payload: '{"job":"tick"}' });
    first.clock.advanceTo(T0 + 60_000);
    await first.runner.settled();
    assert.equal(first.events().length, 1);
    assert.deepEqual(payloadOf(first.events()[0]!), { job: 'tick' }, 'the schedule\'s own payload');
    first.close();

    // restarted at the same instant: the slot already fired is not fired again
    const again = node(db, new FakeClock(T0 + 60_000 + 500));
    again.runner.start();
    await again.runner.settled();
    assert.equal(again.events().length, 1);
    again.close();

    // down for an hour: sixty slots passed, one firing
    const later = node(db, new FakeClock(T0 + 3_600_000 + 61_000));
    later.runner.start();
    await later.runner.settled();
    assert.equal(later.events().length, 2);
    assert.equal(later.schedules.get('f', 'minutely').lastSlot, new Date(T0 + 3_660_000).toISOString());
    assert.deepEqual(later.clock.pending, [T0 + 3_720_000]);
    later.close();
  });
});

test('pause stops firing, resume fires from the next slot on (not the paused ones), delete disarms', async () => {
  await withDb(async (db) => {
    const n = node(db, new FakeClock(T0));
    n.runner.start();
    n.schedules.create('f', { name: 'r', expression: '5 minutes' });
    await n.runner.settled();
    n.schedules.setState('f', 'r', 'paused');
    await n.runner.settled();
    assert.deepEqual(n.clock.pending, [], 'nothing to wake for');
    n.clock.advanceTo(T0 + 3_600_000 + 1000);
    n.schedules.setState('f', 'r', 'enabled');
    await n.runner.settled();
    assert.equal(n.events().length, 0, 'the slots passed while paused do not fire');
    assert.deepEqual(n.clock.pending, [T0 + 3_900_000]);
    n.clock.advanceTo(T0 + 3_900_000);
    await n.runner.settled();
    assert.equal(n.events().length, 1);
    n.schedules.delete('f', 'r');
    await n.runner.settled();
    assert.deepEqual(n.clock.pending, []);
    assert.throws(() => n.schedules.get('f', 'r'), /has no schedule "r"/);
    n.close();
  });
});

test('creating checks the function, the expression, the time zone and the payload', async () => {
  await withDb(async (db) => {
    const n = node(db, new FakeClock(T0));
    const type = (fn: () => unknown) => { try { fn(); } catch (err) { return (err as SkyscaleError).type; } return 'none'; };
    assert.equal(type(() => n.schedules.create('nope', { expression: '5 minutes' })), 'FunctionNotFound');
    assert.equal(type(() => n.schedules.create('f', { expression: '0 9 * * MONDAY' })), 'InvalidSchedule');
    assert.equal(type(() => n.schedules.create('f', { expression: 'rate(30 seconds)' })), 'InvalidSchedule');
    assert.equal(type(() => n.schedules.create('f', { expression: '5 minutes', timezone: 'Europe/Atlantis' })), 'InvalidSchedule');
    assert.equal(type(() => n.schedules.create('f', { expression: '5 minutes', payload: '{nope' })), 'InvalidSchedule');
    assert.equal(type(() => n.schedules.create('f', { expression: '5 minutes', name: 'a b' })), 'ValidationError');
    n.schedules.create('f', { expression: '5 minutes', name: 'x' });
    assert.equal(type(() => n.schedules.create('f', { expression: '5 minutes', name: 'x' })), 'ScheduleExists');
    assert.equal(n.schedules.list('f').length, 1);
    n.close();
  });
});

test('a schedule in a time zone fires at local time across a DST change', async () => {
  await withDb(async (db) => {
    const n = node(db, new FakeClock(Date.parse('2026-03-28T12:00:00Z')));
    n.runner.start();
    n.schedules.create('f', { name: 'b', expression: '30 2 * * *', timezone: 'Europe/Berlin' });
    await n.runner.settled();
    // 02:30 does not exist in Berlin on 29 March: it fires at 03:00 CEST, once
    assert.equal(n.runner.nextWake, Date.parse('2026-03-29T01:00:00Z'));
    n.clock.advanceTo(Date.parse('2026-03-29T00:59:59Z'));
    await n.runner.settled();
    assert.equal(n.events().length, 0);
    n.clock.advanceTo(Date.parse('2026-03-29T01:00:00Z'));
    await n.runner.settled();
    assert.equal(n.events().length, 1);
    assert.equal(n.runner.nextWake, Date.parse('2026-03-30T00:30:00Z'));
    n.close();
  });
});

test("the intake's alongside runs in the events' transaction: both are committed or neither; a slot only moves forward", async () => {
  await withDb(async (db) => {
    const table = new SchedulesTable(db);
    const intake = new EventIntake({ store: new AsyncEventsTable(db), windowMs: 0, maxGroup: 512, onCommitted: () => {} });
    const count = () => db.prepare('SELECT COUNT(*) FROM async_events').pluck().get();
    const event = (id: string) => ({ id, functionName: 'f', qualifier: null, payload: Buffer.from('{}'), acceptedAt: new Date(T0).toISOString() });
    await assert.rejects(intake.accept(event('a'), () => { throw new Error('disk full'); }), /could not be stored: disk full/);
    assert.equal(count(), 0, 'the event was rolled back with the failed row');
    new Schedules(table, { rearm: () => {}, nextFor: () => null }, { get: () => ({}) }, { now: () => T0 }, 60).create('f', { name: 's', expression: '5 minutes' });
    await intake.accept(event('b'), () => { table.markFired('f', 's', T0 + 300_000, new Date(T0).toISOString()); });
    assert.equal(count(), 1);
    assert.equal(table.get('f', 's')!.lastSlotMs, T0 + 300_000);
    assert.equal(table.markFired('f', 's', T0 + 300_000, ''), false, 'the same slot again changes nothing');
    assert.equal(table.markFired('f', 's', T0, ''), false, 'nor an earlier one');
    assert.equal(table.get('f', 's')!.fired, 1);
    intake.close();
  });
});

test('a firing that could not be queued is not recorded: it is tried again, and a restart fires it', async () => {
  await withDb(async (db) => {
    const first = node(db, new FakeClock(T0));
    first.schedules.create('f', { name: 'r', expression: '1 minute' });
    first.close(); // the intake refuses from now on, as during shutdown
    const stalled = new ScheduleRunner({ table: new SchedulesTable(db), intake: { accept: () => Promise.reject(new Error('closing')) }, clock: first.clock, log });
    first.clock.advanceTo(T0 + 60_000);
    stalled.start();
    await stalled.settled();
    assert.equal(first.events().length, 0);
    assert.equal(new SchedulesTable(db).get('f', 'r')!.lastSlotMs, null, 'nothing recorded');
    assert.equal(stalled.nextWake, T0 + 65_000, 'tried again in 5 s');
    stalled.close();
    const next = node(db, new FakeClock(T0 + 70_000));
    next.runner.start();
    await next.runner.settled();
    assert.equal(next.events().length, 1);
    assert.equal(next.schedules.get('f', 'r').lastSlot, new Date(T0 + 60_000).toISOString());
    next.close();
  });
});
