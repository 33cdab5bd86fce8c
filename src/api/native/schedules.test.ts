// /v1/functions/{name}/schedules and /v1/schedules through inject(): create, list,
// show, pause and resume, delete; what bad input is answered with; and a schedule
// firing for real (on the fake driver, with the shortest interval lowered to a second).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../../../test/fakes/eventually.js';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ SKYSCALE_SCHEDULE_MIN_INTERVAL_S: '1' });
  await t.deploy('fn');
  await t.deploy('other');
});
after(async () => { await t?.close(); });

test('a schedule is created, shown, listed, paused, resumed and deleted', async () => {
  const created = await t.request('POST', '/v1/functions/fn/schedules', { name: 'weekdays', expression: 'cron(0 9 ? * MON-FRI *)', timezone: 'Europe/Berlin' });
  assert.equal(created.statusCode, 201, created.body);
  const s = created.json().schedule;
  assert.equal(s.expression, 'cron(0 9 ? * MON-FRI *)');
  assert.equal(s.timezone, 'Europe/Berlin');
  assert.equal(s.state, 'enabled');
  assert.equal(s.payload, null);
  assert.ok(Date.parse(s.nextFiring) > Date.now());
  assert.equal(new Date(s.nextFiring).getUTCMinutes(), 0);
  assert.equal((await t.request('POST', '/v1/functions/fn/schedules', { name: 'weekdays', expression: '5 minutes' })).json().error.type, 'ScheduleExists');
  const other = await t.request('POST', '/v1/functions/other/schedules', { expression: '0 */6 * * *', payload: { job: 'report' } });
  assert.equal(other.statusCode, 201);
  assert.match(other.json().schedule.name, /^schedule-[0-9a-f]{8}$/);
  assert.equal(other.json().schedule.payload, '{"job":"report"}');

  assert.deepEqual((await t.request('GET', '/v1/functions/fn/schedules')).json().schedules.map((x: { name: string }) => x.name), ['weekdays']);
  assert.deepEqual((await t.request('GET', '/v1/schedules')).json().schedules.map((x: { functionName: string }) => x.functionName), ['fn', 'other']);
  const paused = await t.request('PATCH', '/v1/functions/fn/schedules/weekdays', { state: 'paused' });
  assert.equal(paused.json().schedule.state, 'paused');
  assert.equal(paused.json().schedule.nextFiring, null);
  assert.equal((await t.request('PATCH', '/v1/functions/fn/schedules/weekdays', { state: 'enabled' })).json().schedule.state, 'enabled');
  assert.equal((await t.request('GET', '/v1/functions/fn/schedules/weekdays')).json().schedule.state, 'enabled');
  assert.equal((await t.request('DELETE', '/v1/functions/fn/schedules/weekdays')).statusCode, 204);
  const gone = await t.request('GET', '/v1/functions/fn/schedules/weekdays');
  assert.equal(gone.statusCode, 404);
  assert.equal(gone.json().error.type, 'ScheduleNotFound');
  assert.equal((await t.request('DELETE', '/v1/functions/other/schedules/' + other.json().schedule.name)).statusCode, 204);
});

test('bad input: a malformed cron names its field, an unknown time zone, a missing function, a rate under the minimum', async () => {
  const cron = await t.request('POST', '/v1/functions/fn/schedules', { expression: '0 9 * * MONDAY' });
  assert.equal(cron.statusCode, 400);
  assert.equal(cron.json().error.type, 'InvalidSchedule');
  assert.match(cron.json().error.message, /cron field "day-of-week" must be 0-7, a name \(MON-SUN\) or a range\/list\/step of them, e\.g\. MON-FRI/);
  const tz = await t.request('POST', '/v1/functions/fn/schedules', { expression: '5 minutes', timezone: 'Moon/Base' });
  assert.equal(tz.statusCode, 400);
  assert.match(tz.json().error.message, /unknown time zone "Moon\/Base"/);
  const missing = await t.request('POST', '/v1/functions/nope/schedules', { expression: '5 minutes' });
  assert.equal(missing.statusCode, 404);
  assert.equal(missing.json().error.type, 'FunctionNotFound');
  // this server allows a second; a rate of zero is still under it
  const fast = await t.request('POST', '/v1/functions/fn/schedules', { expression: 'rate(0 seconds)' });
  assert.equal(fast.statusCode, 400);
  assert.match(fast.json().error.message, /shorter than the shortest interval, 1 seconds/);
  assert.equal((await t.request('PATCH', '/v1/functions/fn/schedules/none', { state: 'paused' })).statusCode, 404);
  assert.equal((await t.request('PATCH', '/v1/functions/fn/schedules/none', { state: 'off' })).statusCode, 400);
});

test('a schedule fires: each firing an asynchronous invocation that runs the function', async () => {
  const before = t.services.asyncInvocations.counts().succeeded ?? 0;
  const created = await t.request('POST', '/v1/functions/fn/schedules', { name: 'fast', expression: 'rate(1 second)' });
  assert.equal(created.statusCode, 201);
  await eventually(() => (t.services.asyncInvocations.counts().succeeded ?? 0) >= before + 2, 'two firings invoked the function', 20_000);
  const s = (await t.request('GET', '/v1/functions/fn/schedules/fast')).json().schedule;
  assert.ok(s.fired >= 2);
  assert.ok(Date.parse(s.lastFiredAt) > 0);
  assert.equal((await t.request('DELETE', '/v1/functions/fn/schedules/fast')).statusCode, 204);
});

test('a function deleted takes its schedules with it', async () => {
  await t.deploy('doomed');
  assert.equal((await t.request('POST', '/v1/functions/doomed/schedules', { name: 'x', expression: '1 hour' })).statusCode, 201);
  assert.equal((await t.request('DELETE', '/v1/functions/doomed')).statusCode, 204);
  assert.deepEqual((await t.request('GET', '/v1/schedules')).json().schedules.filter((x: { functionName: string }) => x.functionName === 'doomed'), []);
});
