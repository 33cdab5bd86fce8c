// skyscale schedule create --name FN (--every '5 minutes' | --cron '0 9 * * MON-FRI') [--payload J] [--timezone TZ] [--schedule-name S]
//                 | schedule list [--name FN] | schedule pause|resume|delete --name FN S
// Each firing is an asynchronous invocation of the function.
import { CliError } from '../cli-error.js';
import { functionHere } from '../function-here.js';
import { table, type Command } from '../command.js';

interface ScheduleView {
  functionName: string;
  name: string;
  expression: string;
  timezone: string;
  payload: string | null;
  state: string;
  lastFiredAt: string | null;
  fired: number;
  nextFiring: string | null;
}

const USAGE = "skyscale schedule create --name FN (--every '5 minutes' | --cron '0 9 * * MON-FRI' | --cron 'cron(0 9 ? * MON-FRI *)') [--payload JSON] [--timezone Europe/Berlin] [--schedule-name S]"
  + ' | skyscale schedule list [--name FN] | skyscale schedule pause|resume|delete --name FN SCHEDULE';

export const scheduleCommand: Command = {
  name: 'schedule',
  summary: "schedules: schedule create --name FN --every '5 minutes' | --cron '0 9 * * MON-FRI' | list | pause | resume | delete",
  usage: USAGE,
  options: {
    name: { type: 'string', short: 'n' },
    every: { type: 'string' },
    cron: { type: 'string' },
    payload: { type: 'string', short: 'p' },
    timezone: { type: 'string' },
    'schedule-name': { type: 'string' },
  },
  async run(values, positionals, ctx) {
    const [action, named] = positionals;
    const fn = values.name as string | undefined;
    const base = (name: string) => `/v1/functions/${encodeURIComponent(name)}/schedules`;
    // a change needs its function: --name, or the one whose folder this is
    const needFunction = (): string => {
      const name = fn ?? functionHere();
      if (!name) throw new CliError('MissingArgument', "the function is required (--name, or run it in the function's folder)", `usage: ${USAGE}`);
      return name;
    };
    if (action === 'list' || action === undefined) {
      const { schedules } = await ctx.client().json<{ schedules: ScheduleView[] }>('GET', fn ? base(fn) : '/v1/schedules');
      if (ctx.json) ctx.out(JSON.stringify(schedules));
      else ctx.out(table([['FUNCTION', 'SCHEDULE', 'EXPRESSION', 'TIMEZONE', 'STATE', 'FIRED', 'LAST', 'NEXT'],
        ...schedules.map((s) => [s.functionName, s.name, s.expression, s.timezone, s.state, String(s.fired), s.lastFiredAt ?? '-', s.nextFiring ?? '-'])]));
      return 0;
    }
    if (action === 'create') {
      const name = needFunction();
      const every = values.every as string | undefined;
      const cron = values.cron as string | undefined;
      if ((every === undefined) === (cron === undefined)) throw new CliError('InvalidArguments', 'give one of --every and --cron', `usage: ${USAGE}`);
      let payload: unknown;
      if (values.payload !== undefined) {
        try {
          payload = JSON.parse(values.payload as string);
        } catch {
          throw new CliError('InvalidArguments', '--payload is not valid JSON', `e.g. --payload '{"job":"report"}'`);
        }
      }
      const expression = every !== undefined ? (/^rate\(/i.test(every.trim()) ? every : `rate(${every})`) : cron!;
      const body = {
        expression,
        ...(values['schedule-name'] !== undefined ? { name: values['schedule-name'] } : {}),
        ...(values.timezone !== undefined ? { timezone: values.timezone } : {}),
        ...(payload !== undefined ? { payload } : {}),
      };
      const { schedule } = await ctx.client().json<{ schedule: ScheduleView }>('POST', base(name), body);
      ctx.out(ctx.json ? JSON.stringify(schedule)
        : `Created schedule ${schedule.name} for ${schedule.functionName}: ${schedule.expression} (${schedule.timezone}); next firing ${schedule.nextFiring ?? 'none'}`);
      return 0;
    }
    if (action === 'pause' || action === 'resume' || action === 'delete') {
      const name = needFunction();
      const schedule = named ?? (values['schedule-name'] as string | undefined);
      if (!schedule) throw new CliError('MissingArgument', `the schedule to ${action} is required`, `list them with: skyscale schedule list --name ${name}`);
      const path = `${base(name)}/${encodeURIComponent(schedule)}`;
      if (action === 'delete') {
        await ctx.client().request('DELETE', path);
        ctx.out(ctx.json ? JSON.stringify({ deleted: schedule }) : `Deleted schedule ${schedule} of ${name}`);
        return 0;
      }
      const res = await ctx.client().json<{ schedule: ScheduleView }>('PATCH', path, { state: action === 'pause' ? 'paused' : 'enabled' });
      ctx.out(ctx.json ? JSON.stringify(res.schedule)
        : `${action === 'pause' ? 'Paused' : 'Resumed'} schedule ${schedule} of ${name}${res.schedule.nextFiring ? `; next firing ${res.schedule.nextFiring}` : ''}`);
      return 0;
    }
    throw new CliError('InvalidArguments', `unknown schedule action "${action}"`, `usage: ${USAGE}`);
  },
};
