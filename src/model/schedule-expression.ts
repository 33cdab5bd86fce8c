// Schedule expressions and their slots: `rate(5 minutes)` (or `5 minutes`), the 5-field
// Unix cron (`0 9 * * MON-FRI`) and EventBridge's 6-field `cron(0 9 ? * MON-FRI *)` with
// `?`, `L`, `W` and `#`. A cron's wall-clock times are read in an IANA time zone (Intl):
// a local time that does not exist that day (the spring-forward gap) fires once at the
// end of the gap, and a local time that happens twice (the fall-back hour) fires once,
// at its first occurrence. A rate counts from the schedule's anchor (its creation).
import { SkyscaleError } from '../errors.js';

export interface RateExpression { kind: 'rate'; seconds: number; text: string }
export interface CronExpression {
  kind: 'cron';
  text: string;
  /** true: EventBridge's 6-field form (day-of-week 1-7 from SUN, a year field) */
  eventBridge: boolean;
  minutes: boolean[];
  hours: boolean[];
  days: DayOfMonth;
  months: boolean[];
  weekdays: DayOfWeek;
  years: { from: number; to: number; step: number }[] | null;
  /** Unix cron: both day fields restricted means either may match */
  eitherDay: boolean;
}
export type ScheduleExpression = RateExpression | CronExpression;

type DayOfMonth = { any: true } | { any: false; set: boolean[]; last: boolean; lastWeekday: boolean; nearestWeekday: number[] };
type DayOfWeek = { any: true } | { any: false; set: boolean[]; lastOf: number[]; nth: [number, number][] };

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const UNITS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };

const invalid = (message: string, hint?: string) => new SkyscaleError('InvalidSchedule', message, hint ? { hint } : {});

/**
 * Parses a schedule expression. `minIntervalS` is the shortest rate allowed (60 s in
 * production; tests may lower it through SKYSCALE_SCHEDULE_MIN_INTERVAL_S).
 */
export function parseScheduleExpression(input: string, minIntervalS = 60): ScheduleExpression {
  const text = input.trim();
  const rate = /^rate\((.*)\)$/i.exec(text);
  const cron = /^cron\((.*)\)$/i.exec(text);
  if (rate) return parseRate(rate[1]!.trim(), minIntervalS);
  if (cron) return parseCron(cron[1]!.trim(), true);
  if (/^\d+\s+[a-z]+$/i.test(text)) return parseRate(text, minIntervalS);
  return parseCron(text, text.split(/\s+/).length === 6);
}

function parseRate(body: string, minIntervalS: number): RateExpression {
  const m = /^(\d+)\s+([a-z]+?)s?$/i.exec(body);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) throw invalid(`rate "${body}" must be a whole number and a unit (minutes, hours or days), e.g. 5 minutes`, 'e.g. --every "5 minutes" or rate(1 hour)');
  const seconds = Number(m[1]) * unit;
  if (seconds < minIntervalS) throw invalid(`rate "${body}" is shorter than the shortest interval, ${minIntervalS} seconds`, 'a schedule fires at most once a minute, e.g. rate(1 minute)');
  return { kind: 'rate', seconds, text: `rate(${body})` };
}

interface FieldSpec { name: string; min: number; max: number; names?: string[]; nameBase?: number; rule: string; example: string }

function fieldSpecs(eventBridge: boolean): FieldSpec[] {
  return [
    { name: 'minute', min: 0, max: 59, rule: '0-59 or a range/list/step of them', example: '*/15' },
    { name: 'hour', min: 0, max: 23, rule: '0-23 or a range/list/step of them', example: '9-17' },
    { name: 'day-of-month', min: 1, max: 31, rule: eventBridge ? '1-31, L, LW, a day with W (15W), ? or a range/list/step of them' : '1-31 or a range/list/step of them', example: eventBridge ? 'L' : '1,15' },
    { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1, rule: '1-12, a name (JAN-DEC) or a range/list/step of them', example: 'JAN-MAR' },
    eventBridge
      ? { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, nameBase: 1, rule: '1-7 (1 is SUN), a name (SUN-SAT), MON#2, 6L, ? or a range/list/step of them', example: 'MON-FRI' }
      : { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0, rule: '0-7, a name (MON-SUN) or a range/list/step of them', example: 'MON-FRI' },
    { name: 'year', min: 1970, max: 2199, rule: '1970-2199 or a range/list/step of them', example: '2027' },
  ];
}

function fieldError(f: FieldSpec, value: string): SkyscaleError {
  return invalid(`cron field "${f.name}" must be ${f.rule}, e.g. ${f.example} (got "${value}")`, 'Unix cron: minute hour day-of-month month day-of-week, e.g. 0 9 * * MON-FRI; EventBridge: cron(0 9 ? * MON-FRI *)');
}

function parseCron(body: string, eventBridge: boolean): CronExpression {
  const parts = body.split(/\s+/).filter(Boolean);
  const want = eventBridge ? 6 : 5;
  if (parts.length !== want) {
    throw invalid(`a cron expression has ${want} fields${eventBridge ? ' in EventBridge form (minute hour day-of-month month day-of-week year)' : ' (minute hour day-of-month month day-of-week)'}; "${body}" has ${parts.length}`,
      'e.g. 0 9 * * MON-FRI, or cron(0 9 ? * MON-FRI *)');
  }
  const specs = fieldSpecs(eventBridge);
  const [mi, ho, dm, mo, dw, yr] = parts as [string, string, string, string, string, string?];
  const minutes = parseList(mi, specs[0]!);
  const hours = parseList(ho, specs[1]!);
  const months = parseList(mo, specs[3]!);
  const days = parseDays(dm, specs[2]!, eventBridge);
  const weekdays = parseWeekdays(dw, specs[4]!, eventBridge);
  if (eventBridge && dm !== '?' && dw !== '?') {
    throw invalid(`in cron(${body}) one of day-of-month and day-of-week must be "?"`, 'e.g. cron(0 9 ? * MON-FRI *) or cron(0 9 1 * ? *)');
  }
  if (eventBridge && dm === '?' && dw === '?') throw invalid(`in cron(${body}) only one of day-of-month and day-of-week may be "?"`, 'e.g. cron(0 9 ? * MON-FRI *)');
  let years: CronExpression['years'] = null;
  if (yr !== undefined && yr !== '*') years = yr.split(',').map((item) => parseRange(item, specs[5]!, yr));
  const eitherDay = !eventBridge && !dm.startsWith('*') && !dw.startsWith('*');
  return { kind: 'cron', text: eventBridge ? `cron(${parts.join(' ')})` : parts.join(' '), eventBridge, minutes, hours, days, months, weekdays, years, eitherDay };
}

function parseNumber(s: string, f: FieldSpec, whole: string): number {
  let n: number;
  const upper = s.toUpperCase();
  if (f.names && f.names.includes(upper)) n = f.names.indexOf(upper) + f.nameBase!;
  else if (/^\d+$/.test(s)) n = Number(s);
  else throw fieldError(f, whole);
  if (n < f.min || n > f.max) throw fieldError(f, whole);
  return n;
}

function parseRange(item: string, f: FieldSpec, whole: string): { from: number; to: number; step: number } {
  const [range, stepText] = item.split('/') as [string, string?];
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw fieldError(f, whole);
    step = Number(stepText);
  }
  if (range === '*' || range === '?') return { from: f.min, to: f.max, step };
  const bounds = range.split('-');
  if (bounds.length > 2) throw fieldError(f, whole);
  const from = parseNumber(bounds[0]!, f, whole);
  const to = bounds.length === 2 ? parseNumber(bounds[1]!, f, whole) : stepText !== undefined ? f.max : from;
  if (to < from) throw fieldError(f, whole);
  return { from, to, step };
}

function parseList(text: string, f: FieldSpec): boolean[] {
  const set = new Array<boolean>(f.max + 1).fill(false);
  for (const item of text.split(',')) {
    if (!item) throw fieldError(f, text);
    const { from, to, step } = parseRange(item, f, text);
    for (let n = from; n <= to; n += step) set[n] = true;
  }
  return set;
}

function parseDays(text: string, f: FieldSpec, eventBridge: boolean): DayOfMonth {
  if (text === '*' || (eventBridge && text === '?')) return { any: true };
  if (!eventBridge && text === '?') return { any: true };
  const set = new Array<boolean>(32).fill(false);
  let last = false, lastWeekday = false;
  const nearestWeekday: number[] = [];
  for (const item of text.split(',')) {
    const u = item.toUpperCase();
    if (eventBridge && u === 'L') last = true;
    else if (eventBridge && u === 'LW') lastWeekday = true;
    else if (eventBridge && /^\d+W$/.test(u)) nearestWeekday.push(parseNumber(u.slice(0, -1), f, text));
    else {
      if (!item) throw fieldError(f, text);
      const { from, to, step } = parseRange(item, f, text);
      for (let n = from; n <= to; n += step) set[n] = true;
    }
  }
  return { any: false, set, last, lastWeekday, nearestWeekday };
}

function parseWeekdays(text: string, f: FieldSpec, eventBridge: boolean): DayOfWeek {
  if (text === '*' || text === '?') return { any: true };
  const set = new Array<boolean>(7).fill(false);
  const lastOf: number[] = [];
  const nth: [number, number][] = [];
  // EventBridge counts 1 (SUN) to 7 (SAT); Unix 0 (SUN) to 7 (SUN again)
  const toDay = (n: number) => (eventBridge ? n - 1 : n % 7);
  for (const item of text.split(',')) {
    const u = item.toUpperCase();
    const hash = /^([A-Z0-9]+)#([1-5])$/.exec(u);
    const lastDay = /^([A-Z0-9]*)L$/.exec(u);
    if (eventBridge && hash) nth.push([toDay(parseNumber(hash[1]!, f, text)), Number(hash[2])]);
    else if (eventBridge && lastDay) lastOf.push(lastDay[1] ? toDay(parseNumber(lastDay[1], f, text)) : 6);
    else {
      if (!item) throw fieldError(f, text);
      const { from, to, step } = parseRange(item, f, text);
      for (let n = from; n <= to; n += step) set[toDay(n)] = true;
    }
  }
  return { any: false, set, lastOf, nth };
}

// --- time zones -------------------------------------------------------------

const formats = new Map<string, Intl.DateTimeFormat>();

/** Throws InvalidSchedule unless `tz` is an IANA time zone this runtime knows. */
export function checkTimeZone(tz: string): string {
  try {
    formatFor(tz);
    return tz;
  } catch {
    throw invalid(`unknown time zone "${tz}"`, 'use an IANA name such as UTC, Europe/Berlin or America/New_York');
  }
}

function formatFor(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(tz, f);
  }
  return f;
}

interface Wall { y: number; mo: number; d: number; h: number; mi: number }

function wallTime(ms: number, tz: string): Wall & { s: number } {
  const p: Record<string, number> = {};
  for (const part of formatFor(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour! % 24, mi: p.minute!, s: p.second! };
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(ms: number, tz: string): number {
  const w = wallTime(ms, tz);
  const floorMs = Math.floor(ms / 1000) * 1000;
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - floorMs;
}

/**
 * The instant a local wall-clock time names: the first if it happens twice, the end of
 * the gap if it does not happen that day.
 */
export function localToInstant(w: Wall, tz: string): number {
  const naive = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
  const candidates = [naive - offsetAt(naive - 43_200_000, tz), naive - offsetAt(naive + 43_200_000, tz)];
  const found = candidates.filter((t) => {
    const v = wallTime(t, tz);
    return v.y === w.y && v.mo === w.mo && v.d === w.d && v.h === w.h && v.mi === w.mi;
  });
  if (found.length) return Math.min(...found);
  // in a gap: find the first instant after the change, to the minute
  let lo = Math.min(...candidates), hi = Math.max(...candidates);
  const offLo = offsetAt(lo, tz);
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (offsetAt(mid, tz) === offLo) lo = mid;
    else hi = mid;
  }
  return hi;
}

// --- slots ------------------------------------------------------------------

const DAY_MS = 86_400_000;
const SEARCH_DAYS = 366 * 8;

function daysInMonth(y: number, mo: number): number {
  return new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

function weekdayOf(y: number, mo: number, d: number): number {
  return new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
}

function dayOfMonthMatches(s: Exclude<DayOfMonth, { any: true }>, y: number, mo: number, d: number): boolean {
  if (s.set[d]) return true;
  const dim = daysInMonth(y, mo);
  if (s.last && d === dim) return true;
  const isWeekday = (day: number) => { const w = weekdayOf(y, mo, day); return w !== 0 && w !== 6; };
  if (s.lastWeekday) {
    let l = dim;
    while (!isWeekday(l)) l--;
    if (d === l) return true;
  }
  for (const n of s.nearestWeekday) {
    const target = Math.min(n, dim);
    let pick = target;
    const w = weekdayOf(y, mo, target);
    if (w === 6) pick = target === 1 ? 3 : target - 1;
    else if (w === 0) pick = target === dim ? target - 2 : target + 1;
    if (d === pick) return true;
  }
  return false;
}

function dayOfWeekMatches(s: Exclude<DayOfWeek, { any: true }>, y: number, mo: number, d: number): boolean {
  const w = weekdayOf(y, mo, d);
  if (s.set[w]) return true;
  if (s.lastOf.includes(w) && d + 7 > daysInMonth(y, mo)) return true;
  return s.nth.some(([day, n]) => day === w && Math.ceil(d / 7) === n);
}

function dayMatches(c: CronExpression, y: number, mo: number, d: number): boolean {
  if (!c.months[mo]) return false;
  if (c.years && !c.years.some((r) => y >= r.from && y <= r.to && (y - r.from) % r.step === 0)) return false;
  const dm = c.days.any || dayOfMonthMatches(c.days, y, mo, d);
  const dw = c.weekdays.any || dayOfWeekMatches(c.weekdays, y, mo, d);
  // eitherDay is only set when neither field is "*", so both results are real matches
  return c.eitherDay ? dm || dw : dm && dw;
}

/** The first slot strictly after `afterMs`, or null if there is none (a year range that has passed). */
export function nextSlot(e: ScheduleExpression, tz: string, anchorMs: number, afterMs: number): number | null {
  if (e.kind === 'rate') {
    const step = e.seconds * 1000;
    if (afterMs < anchorMs) return anchorMs + step;
    return anchorMs + (Math.floor((afterMs - anchorMs) / step) + 1) * step;
  }
  // Wall times more than a few hours before afterMs's own cannot be later instants
  // (no zone shifts its clock by that much), so they are passed over without Intl.
  const a = wallTime(afterMs, tz);
  const floor = Date.UTC(a.y, a.mo - 1, a.d, a.h, a.mi) - 3 * 3_600_000;
  const day0 = Date.UTC(a.y, a.mo - 1, a.d) - DAY_MS;
  // The common case: no clock change from 3 h before afterMs to 2 days after it. Every
  // wall time in that stretch is then one instant, its wall time less that offset, with
  // no Intl call (zones change their clocks at most twice a year, never twice in 2 days).
  const steadyFrom = afterMs - 3 * 3_600_000, steadyTo = afterMs + 2 * DAY_MS;
  const steadyOffset = offsetAt(steadyFrom, tz);
  const steady = steadyOffset === offsetAt(steadyTo, tz);
  for (let i = 0; i < SEARCH_DAYS; i++) {
    const dayStart = day0 + i * DAY_MS;
    if (dayStart + DAY_MS <= floor) continue;
    const date = new Date(dayStart);
    const y = date.getUTCFullYear(), mo = date.getUTCMonth() + 1, d = date.getUTCDate();
    if (!dayMatches(e, y, mo, d)) continue;
    for (let h = 0; h < 24; h++) {
      if (!e.hours[h] || dayStart + (h + 1) * 3_600_000 <= floor) continue;
      for (let mi = 0; mi < 60; mi++) {
        if (!e.minutes[mi] || dayStart + h * 3_600_000 + mi * 60_000 < floor) continue;
        const estimate = dayStart + h * 3_600_000 + mi * 60_000 - steadyOffset;
        if (steady && estimate >= steadyFrom && estimate <= steadyTo) {
          if (estimate > afterMs) return estimate;
          continue;
        }
        const t = localToInstant({ y, mo, d, h, mi }, tz);
        if (t > afterMs) return t;
      }
    }
  }
  return null;
}

/**
 * The latest slot at or before `nowMs` that comes after `afterMs` (the last one fired),
 * or null if none is due: after downtime the missed slots fire once, as this one.
 */
export function latestDueSlot(e: ScheduleExpression, tz: string, anchorMs: number, afterMs: number, nowMs: number): number | null {
  let slot = nextSlot(e, tz, anchorMs, afterMs);
  if (slot === null || slot > nowMs) return null;
  if (e.kind === 'rate') {
    const step = e.seconds * 1000;
    return anchorMs + Math.floor((nowMs - anchorMs) / step) * step;
  }
  // skip ahead: look from a recent point first, so a long downtime costs few steps
  for (const back of [3_600_000, DAY_MS, 32 * DAY_MS, 367 * DAY_MS]) {
    const from = Math.max(slot, nowMs - back);
    const candidate = nextSlot(e, tz, anchorMs, from - 1);
    if (candidate !== null && candidate <= nowMs) { slot = candidate; break; }
  }
  for (;;) {
    const next = nextSlot(e, tz, anchorMs, slot);
    if (next === null || next > nowMs) return slot;
    slot = next;
  }
}
