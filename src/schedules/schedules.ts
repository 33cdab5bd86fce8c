// The schedules service the API uses: create (the expression, time zone and payload
// checked, the function must exist), list, show, pause, resume, delete; each change
// re-arms the runner's timer.
import { randomBytes } from 'node:crypto';
import { SkyscaleError } from '../errors.js';
import { MAX_EVENT_PAYLOAD_BYTES } from '../model/limits.js';
import { isScheduleName, type Schedule } from '../model/schedule.js';
import { checkTimeZone, latestDueSlot, parseScheduleExpression } from '../model/schedule-expression.js';
import type { SchedulesTable } from '../store/schedules-table.js';
import type { ScheduleClock, ScheduleRunner } from './schedule-runner.js';

export interface NewSchedule {
  name?: string;
  expression: string;
  timezone?: string;
  payload?: string;
}

/** A schedule as the API shows it, with its next firing. */
export type ScheduleView = Omit<Schedule, 'anchorMs' | 'lastSlotMs'> & { lastSlot: string | null; nextFiring: string | null };

export class Schedules {
  constructor(
    private readonly table: SchedulesTable,
    private readonly runner: Pick<ScheduleRunner, 'rearm' | 'nextFor'>,
    private readonly functions: { get(name: string): unknown },
    private readonly clock: Pick<ScheduleClock, 'now'>,
    /** the shortest rate allowed, in seconds (60 unless lowered for tests) */
    private readonly minIntervalS: number,
  ) {}

  create(functionName: string, input: NewSchedule): ScheduleView {
    this.functions.get(functionName);
    const expression = parseScheduleExpression(input.expression, this.minIntervalS);
    const timezone = checkTimeZone(input.timezone ?? 'UTC');
    const name = input.name ?? `schedule-${randomBytes(4).toString('hex')}`;
    if (!isScheduleName(name)) throw new SkyscaleError('ValidationError', `schedule name "${name}" must be 1-64 letters, digits, ".", "-" or "_"`);
    if (input.payload !== undefined) {
      if (Buffer.byteLength(input.payload) > MAX_EVENT_PAYLOAD_BYTES) throw new SkyscaleError('InvalidSchedule', `the payload is over ${MAX_EVENT_PAYLOAD_BYTES} bytes, the limit of an Event invocation`);
      try {
        JSON.parse(input.payload);
      } catch {
        throw new SkyscaleError('InvalidSchedule', 'the payload is not valid JSON', { hint: `e.g. --payload '{"job":"report"}'` });
      }
    }
    const now = this.clock.now();
    const s: Schedule = {
      functionName, name, expression: expression.text, timezone, payload: input.payload ?? null, state: 'enabled',
      createdAt: new Date(now).toISOString(), anchorMs: now, lastSlotMs: null, lastFiredAt: null, fired: 0,
    };
    if (!this.table.insert(s)) throw new SkyscaleError('ScheduleExists', `function "${functionName}" already has a schedule "${name}"`, { hint: 'delete it first, or choose another --schedule-name' });
    this.runner.rearm();
    return this.view(s);
  }

  list(functionName?: string): ScheduleView[] {
    if (functionName !== undefined) this.functions.get(functionName);
    return this.table.list(functionName).map((s) => this.view(s));
  }

  get(functionName: string, name: string): ScheduleView {
    return this.view(this.find(functionName, name));
  }

  /** Pauses, or resumes: a resumed schedule fires from its next slot on, not the ones passed while paused. */
  setState(functionName: string, name: string, state: Schedule['state']): ScheduleView {
    const s = this.find(functionName, name);
    const passed = latestDueSlot(parseScheduleExpression(s.expression, 1), s.timezone, s.anchorMs, Math.max(s.anchorMs, s.lastSlotMs ?? s.anchorMs), this.clock.now());
    this.table.setState(functionName, name, state, state === 'enabled' ? passed : null);
    this.runner.rearm();
    return this.get(functionName, name);
  }

  delete(functionName: string, name: string): void {
    if (!this.table.delete(functionName, name)) throw this.notFound(functionName, name);
    this.runner.rearm();
  }

  private find(functionName: string, name: string): Schedule {
    this.functions.get(functionName);
    const s = this.table.get(functionName, name);
    if (!s) throw this.notFound(functionName, name);
    return s;
  }

  private notFound(functionName: string, name: string): SkyscaleError {
    return new SkyscaleError('ScheduleNotFound', `function "${functionName}" has no schedule "${name}"`, { hint: `list them with: skyscale schedule list --name ${functionName}` });
  }

  private view(s: Schedule): ScheduleView {
    const { anchorMs: _a, lastSlotMs, ...rest } = s;
    const next = s.state === 'enabled' ? this.runner.nextFor(s) : null;
    return { ...rest, lastSlot: lastSlotMs ? new Date(lastSlotMs).toISOString() : null, nextFiring: next === null ? null : new Date(next).toISOString() };
  }
}
