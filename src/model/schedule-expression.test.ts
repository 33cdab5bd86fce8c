import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkyscaleError } from '../errors.js';
import { checkTimeZone, latestDueSlot, nextSlot, parseScheduleExpression } from './schedule-expression.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const at = (s: string) => Date.parse(s);
/** the next n slots after `from`, as ISO strings */
function slots(expr: string, tz: string, from: string, n: number): string[] {
  const e = parseScheduleExpression(expr);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = nextSlot(e, tz, at(from), t);
    assert.ok(next !== null);
    out.push(iso(next)!);
    t = next;
  }
  return out;
}
function rejects(expr: string, pattern: RegExp, minIntervalS?: number) {
  assert.throws(() => parseScheduleExpression(expr, minIntervalS), (err: unknown) => {
    assert.ok(err instanceof SkyscaleError);
    assert.equal(err.type, 'InvalidSchedule');
    assert.match(err.message, pattern);
    return true;
  });
}

test('rates: the --every form and rate(), singular or plural units', () => {
  assert.deepEqual(parseScheduleExpression('5 minutes'), { kind: 'rate', seconds: 300, text: 'rate(5 minutes)' });
  assert.equal((parseScheduleExpression('rate(1 minute)') as { seconds: number }).seconds, 60);
  assert.equal((parseScheduleExpression('rate(2 hours)') as { seconds: number }).seconds, 7200);
  assert.equal((parseScheduleExpression('RATE(1 day)') as { seconds: number }).seconds, 86400);
});

test('a rate below a minute is refused unless the shortest interval is lowered', () => {
  rejects('rate(30 seconds)', /shorter than the shortest interval, 60 seconds/);
  rejects('rate(0 minutes)', /shorter/);
  assert.equal((parseScheduleExpression('rate(2 seconds)', 1) as { seconds: number }).seconds, 2);
  rejects('rate(five minutes)', /whole number and a unit/);
  rejects('rate(5 fortnights)', /whole number and a unit/);
});

test('rate slots count from the anchor; a missed run of them collapses to the latest', () => {
  const e = parseScheduleExpression('rate(5 minutes)');
  const anchor = at('2026-01-01T00:00:10Z');
  assert.equal(iso(nextSlot(e, 'UTC', anchor, anchor)), '2026-01-01T00:05:10.000Z');
  assert.equal(iso(nextSlot(e, 'UTC', anchor, at('2026-01-01T00:05:10Z'))), '2026-01-01T00:10:10.000Z');
  assert.equal(iso(latestDueSlot(e, 'UTC', anchor, anchor, at('2026-01-01T03:02:00Z'))), '2026-01-01T03:00:10.000Z');
  assert.equal(latestDueSlot(e, 'UTC', anchor, anchor, at('2026-01-01T00:05:00Z')), null);
});

test('Unix cron: weekdays at 9, steps, lists, names', () => {
  // 2026-12-04 is a Friday
  assert.deepEqual(slots('0 9 * * MON-FRI', 'UTC', '2026-12-04T10:00:00Z', 2), ['2026-12-07T09:00:00.000Z', '2026-12-08T09:00:00.000Z']);
  assert.deepEqual(slots('*/15 * * * *', 'UTC', '2026-12-04T10:07:00Z', 3), ['2026-12-04T10:15:00.000Z', '2026-12-04T10:30:00.000Z', '2026-12-04T10:45:00.000Z']);
  assert.deepEqual(slots('0 0 1,15 * *', 'UTC', '2026-12-02T00:00:00Z', 2), ['2026-12-15T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  assert.deepEqual(slots('30 6 * JAN,jul *', 'UTC', '2026-12-02T00:00:00Z', 1), ['2027-01-01T06:30:00.000Z']);
  assert.deepEqual(slots('0 12 * * 7', 'UTC', '2026-12-02T00:00:00Z', 1), ['2026-12-06T12:00:00.000Z'], '7 is Sunday');
  assert.deepEqual(slots('0 12 * * 0', 'UTC', '2026-12-02T00:00:00Z', 1), ['2026-12-06T12:00:00.000Z'], '0 is Sunday');
  assert.deepEqual(slots('5-10/5 1 * * *', 'UTC', '2026-12-02T00:00:00Z', 2), ['2026-12-02T01:05:00.000Z', '2026-12-02T01:10:00.000Z']);
  assert.deepEqual(slots('0 0 29 2 *', 'UTC', '2026-12-02T00:00:00Z', 1), ['2028-02-29T00:00:00.000Z']);
});

test('Unix cron: both day fields restricted means either matches', () => {
  // the 13th, or any Friday: Fri 4, Fri 11, Sun 13, Fri 18
  assert.deepEqual(slots('0 0 13 * FRI', 'UTC', '2026-12-02T00:00:00Z', 4), ['2026-12-04T00:00:00.000Z', '2026-12-11T00:00:00.000Z', '2026-12-13T00:00:00.000Z', '2026-12-18T00:00:00.000Z']);
});

test('EventBridge cron: ?, 1-7 from SUN, years, L, W, #', () => {
  assert.deepEqual(slots('cron(0 9 ? * MON-FRI *)', 'UTC', '2026-12-04T10:00:00Z', 1), ['2026-12-07T09:00:00.000Z']);
  assert.deepEqual(slots('cron(0 9 ? * 2 *)', 'UTC', '2026-12-02T00:00:00Z', 1), ['2026-12-07T09:00:00.000Z'], '2 is Monday');
  assert.deepEqual(slots('cron(0 0 L * ? *)', 'UTC', '2026-12-02T00:00:00Z', 3), ['2026-12-31T00:00:00.000Z', '2027-01-31T00:00:00.000Z', '2027-02-28T00:00:00.000Z']);
  // last weekday: Jan 2027 ends on a Sunday (31), so Friday 29
  assert.deepEqual(slots('cron(0 0 LW * ? *)', 'UTC', '2027-01-01T00:00:00Z', 1), ['2027-01-29T00:00:00.000Z']);
  // nearest weekday to the 1st: 2027-05-01 is a Saturday, so Monday 3 (never the month before)
  assert.deepEqual(slots('cron(0 0 1W 5 ? *)', 'UTC', '2027-01-01T00:00:00Z', 1), ['2027-05-03T00:00:00.000Z']);
  // nearest weekday to the 15th: 2027-08-15 is a Sunday, so Monday 16
  assert.deepEqual(slots('cron(0 0 15W 8 ? *)', 'UTC', '2027-01-01T00:00:00Z', 1), ['2027-08-16T00:00:00.000Z']);
  // second Monday, last Friday
  assert.deepEqual(slots('cron(0 0 ? * MON#2 *)', 'UTC', '2026-12-02T00:00:00Z', 2), ['2026-12-14T00:00:00.000Z', '2027-01-11T00:00:00.000Z']);
  assert.deepEqual(slots('cron(0 0 ? * 6L *)', 'UTC', '2026-12-02T00:00:00Z', 2), ['2026-12-25T00:00:00.000Z', '2027-01-29T00:00:00.000Z']);
  assert.deepEqual(slots('cron(0 0 1 1 ? 2028-2030)', 'UTC', '2026-12-02T00:00:00Z', 2), ['2028-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z']);
  assert.equal(nextSlot(parseScheduleExpression('cron(0 0 1 1 ? 2020)'), 'UTC', 0, at('2026-01-01T00:00:00Z')), null);
  assert.equal(parseScheduleExpression('0 9 ? * MON-FRI *').kind, 'cron', 'six fields without cron() read as EventBridge');
});

test('malformed cron expressions name the field and give an example', () => {
  rejects('0 9 * * MONDAY', /^cron field "day-of-week" must be 0-7, a name \(MON-SUN\) or a range\/list\/step of them, e\.g\. MON-FRI/);
  rejects('61 * * * *', /cron field "minute" must be 0-59.*e\.g\. \*\/15/);
  rejects('0 24 * * *', /cron field "hour" must be 0-23/);
  rejects('0 0 0 * *', /cron field "day-of-month" must be 1-31/);
  rejects('0 0 * 13 *', /cron field "month" must be 1-12, a name \(JAN-DEC\)/);
  rejects('0 0 * * 5-1', /cron field "day-of-week"/);
  rejects('*/0 * * * *', /cron field "minute"/);
  rejects('0 0 L * *', /cron field "day-of-month"/, undefined);
  rejects('cron(0 9 * * 8 *)', /cron field "day-of-week" must be 1-7 \(1 is SUN\)/);
  rejects('cron(0 9 * * MON *)', /one of day-of-month and day-of-week must be "\?"/);
  rejects('cron(0 9 ? * ? *)', /only one of day-of-month and day-of-week/);
  rejects('cron(0 9 ? * MON 1800)', /cron field "year" must be 1970-2199/);
  rejects('0 9 * *', /a cron expression has 5 fields/);
  rejects('cron(0 9 * *)', /has 6 fields in EventBridge form/);
  rejects('every day', /./);
});

test('time zones: IANA names only', () => {
  assert.equal(checkTimeZone('Europe/Berlin'), 'Europe/Berlin');
  assert.throws(() => checkTimeZone('Mars/Olympus'), /unknown time zone "Mars\/Olympus"/);
  assert.deepEqual(slots('0 9 * * *', 'Europe/Berlin', '2026-12-02T00:00:00Z', 1), ['2026-12-02T08:00:00.000Z']);
  assert.deepEqual(slots('0 9 * * *', 'America/New_York', '2026-07-02T00:00:00Z', 1), ['2026-07-02T13:00:00.000Z']);
});

test('Europe/Berlin spring forward: 02:30 does not exist on 29 March 2026 and fires once at 03:00', () => {
  assert.deepEqual(slots('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', 3), [
    '2026-03-28T01:30:00.000Z', // 02:30 CET
    '2026-03-29T01:00:00.000Z', // 03:00 CEST, the end of the gap
    '2026-03-30T00:30:00.000Z', // 02:30 CEST
  ]);
  // every 20 minutes through the gap: 02:00, 02:20 and 02:40 all land on 03:00, once
  assert.deepEqual(slots('*/20 1-3 * * *', 'Europe/Berlin', '2026-03-29T00:30:00Z', 4), [
    '2026-03-29T00:40:00.000Z', // 01:40 CET
    '2026-03-29T01:00:00.000Z', // 03:00 CEST (02:00-02:40 do not exist)
    '2026-03-29T01:20:00.000Z', // 03:20 CEST
    '2026-03-29T01:40:00.000Z',
  ]);
});

test('Europe/Berlin fall back: the repeated 02:30 on 25 October 2026 fires once', () => {
  assert.deepEqual(slots('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2), [
    '2026-10-25T00:30:00.000Z', // the first 02:30 (CEST)
    '2026-10-26T01:30:00.000Z', // the next day's 02:30 CET: not the second 02:30 of the 25th
  ]);
});

test('America/New_York: 02:30 skipped on 8 March 2026, 01:30 repeated on 1 November 2026', () => {
  assert.deepEqual(slots('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', 2), ['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
  assert.deepEqual(slots('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2), ['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  // hourly through the repeated hour: 01:00 EDT, 02:00 EST (no second 01:00)
  assert.deepEqual(slots('0 * * * *', 'America/New_York', '2026-11-01T04:30:00Z', 3), ['2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z']);
});

test('latestDueSlot: after days of downtime, one slot, the latest', () => {
  const e = parseScheduleExpression('* * * * *');
  const due = latestDueSlot(e, 'UTC', 0, at('2026-12-01T00:00:00Z'), at('2026-12-05T07:42:31Z'));
  assert.equal(iso(due), '2026-12-05T07:42:00.000Z');
  const daily = parseScheduleExpression('0 9 * * *');
  assert.equal(iso(latestDueSlot(daily, 'Europe/Berlin', 0, at('2026-11-01T00:00:00Z'), at('2026-12-05T07:42:31Z'))), '2026-12-04T08:00:00.000Z');
  assert.equal(latestDueSlot(daily, 'UTC', 0, at('2026-12-05T09:00:00Z'), at('2026-12-05T10:00:00Z')), null);
});

test('a year of hourly slots in Europe/Berlin: every local hour once, the missing 02:00 merged into 03:00, one two-hour step in October', () => {
  const e = parseScheduleExpression('0 * * * *');
  const start = at('2025-12-31T23:00:00Z'); // 2026-01-01T00:00 in Berlin
  const end = at('2026-12-31T23:00:00Z');
  const steps = new Map<number, number>();
  let count = 0;
  for (let t = start, next = nextSlot(e, 'Europe/Berlin', 0, t); next !== null && next <= end; t = next, next = nextSlot(e, 'Europe/Berlin', 0, t)) {
    steps.set(next - t, (steps.get(next - t) ?? 0) + 1);
    assert.equal(new Date(next).getUTCMinutes(), 0);
    count++;
  }
  assert.equal(count, 8759);
  assert.deepEqual([...steps.entries()].sort(), [[3_600_000, 8758], [7_200_000, 1]]);
});
