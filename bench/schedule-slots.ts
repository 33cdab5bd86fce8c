// Schedule slots: what computing a schedule's next slot costs (the timer does it for
// every enabled schedule on each pass, and `schedule list` for each one shown), and the
// latest due slot after 30 days of downtime, per expression and zone. Pure CPU, no
// server. Not part of the test suite.
//   node dist/bench/schedule-slots.js [--rounds 500] [--json]
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { latestDueSlot, nextSlot, parseScheduleExpression } from '../src/model/schedule-expression.js';

const { values } = parseArgs({ options: { rounds: { type: 'string' }, json: { type: 'boolean' } } });
const ROUNDS = Number(values.rounds ?? 500);
const CASES: [string, string][] = [
  ['* * * * *', 'Europe/Berlin'], ['*/15 * * * *', 'UTC'], ['0 9 * * MON-FRI', 'America/New_York'],
  ['cron(0 0 ? * MON#2 *)', 'UTC'], ['cron(0 0 L * ? *)', 'Europe/Berlin'], ['rate(5 minutes)', 'UTC'],
];
const now = Date.parse('2026-12-02T03:00:00Z');
const rows = CASES.map(([expr, tz]) => {
  const e = parseScheduleExpression(expr);
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) nextSlot(e, tz, 0, now + i * 61_000);
  const nextMs = (performance.now() - t0) / ROUNDS;
  const t1 = performance.now();
  latestDueSlot(e, tz, 0, now - 30 * 86_400_000, now);
  return { expression: expr, timezone: tz, nextSlotMs: nextMs, latestAfter30DaysMs: performance.now() - t1 };
});
if (values.json) console.log(JSON.stringify({ rounds: ROUNDS, rows }));
else {
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB; ${ROUNDS} next-slot computations each`);
  console.log('expression              zone              next slot ms  latest due after 30 days down ms');
  for (const r of rows) console.log(`${r.expression.padEnd(24)}${r.timezone.padEnd(18)}${r.nextSlotMs.toFixed(3).padEnd(14)}${r.latestAfter30DaysMs.toFixed(2)}`);
}
