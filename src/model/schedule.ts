// A schedule: a rate or cron expression that invokes a function asynchronously, in a
// time zone, with a payload of its own or an EventBridge-shaped scheduled event.
import { ACCOUNT_ID, REGION } from './names.js';

export type ScheduleState = 'enabled' | 'paused';

export interface Schedule {
  functionName: string;
  name: string;
  /** as given (normalised: `rate(5 minutes)`, `0 9 * * MON-FRI`, `cron(0 9 ? * MON-FRI *)`) */
  expression: string;
  timezone: string;
  /** the event each firing sends; null: an EventBridge scheduled event */
  payload: string | null;
  state: ScheduleState;
  createdAt: string;
  /** where a rate counts from (ms since the epoch) */
  anchorMs: number;
  /** the latest slot fired, or passed over while paused (ms since the epoch) */
  lastSlotMs: number | null;
  lastFiredAt: string | null;
  /** firings so far */
  fired: number;
}

const SCHEDULE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function isScheduleName(name: string): boolean {
  return SCHEDULE_NAME.test(name);
}

/** The ARN a schedule's events name in `resources`, in EventBridge Scheduler's shape. */
export function scheduleArn(functionName: string, name: string): string {
  return `arn:aws:scheduler:${REGION}:${ACCOUNT_ID}:schedule/${functionName}/${name}`;
}

/** The event a firing sends when the schedule has no payload of its own: EventBridge's "Scheduled Event". */
export function scheduledEvent(s: Pick<Schedule, 'functionName' | 'name'>, id: string, slotMs: number): Record<string, unknown> {
  return {
    version: '0', id, 'detail-type': 'Scheduled Event', source: 'aws.events', account: ACCOUNT_ID,
    time: new Date(slotMs).toISOString().replace(/\.\d{3}Z$/, 'Z'), region: REGION,
    resources: [scheduleArn(s.functionName, s.name)], detail: {},
  };
}
