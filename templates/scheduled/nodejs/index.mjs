// Runs on a schedule: the event is an EventBridge scheduled event. Reports the rule that
// fired and when; put the periodic work (a cleanup, a report, a sync) in run().

/** The periodic work. This one says what a nightly job would cover. */
const run = (fired) => ({ coversDay: fired.toISOString().slice(0, 10), hourUtc: fired.getUTCHours() });

export const handler = async (event) => {
  if (event?.['detail-type'] !== 'Scheduled Event') throw new TypeError('this function expects an EventBridge scheduled event');
  const fired = new Date(event.time);
  const rule = (event.resources?.[0] ?? 'arn:aws:events:local:000000000000:rule/manual').split('/').pop();
  const lateS = Math.max(0, (Date.now() - fired.getTime()) / 1000);
  console.log(`rule ${rule} fired at ${fired.toISOString()} (${lateS.toFixed(0)} s ago)`);
  return { rule, firedAt: fired.toISOString(), weekday: fired.toLocaleDateString('en-US', { weekday: 'long', timeZone: 'UTC' }), result: run(fired) };
};
