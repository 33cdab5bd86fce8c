// The range of a metrics query (?from&to&step): ISO 8601 instants (or ms since the
// epoch) and a step of whole minutes (1m, 5m, 1h, 1d…). By default the last hour in
// 1-minute steps, or the range cut into about 60 steps. A bad value is a
// ValidationError naming its field.
import { SkyscaleError } from '../../errors.js';
import { MINUTE_MS } from '../../model/metric-rollup.js';

export interface MetricRange {
  from: number;
  to: number;
  stepMs: number;
  step: string;
}

export interface MetricRangeQuery {
  from?: string;
  to?: string;
  step?: string;
}

/** more points than this in one answer is refused: ask for a longer step */
export const MAX_POINTS = 1500;
const DEFAULT_RANGE_MS = 3600_000;
const UNITS: Record<string, number> = { m: MINUTE_MS, h: 60 * MINUTE_MS, d: 24 * 60 * MINUTE_MS };
/** steps offered when none is asked for: the first that gives at most ~60 points */
const STEPS = ['1m', '5m', '15m', '1h', '6h', '1d'];

function refuse(field: string, message: string, hint: string): never {
  throw new SkyscaleError('ValidationError', `${field}: ${message}`, { details: { field }, hint });
}

function instant(field: 'from' | 'to', raw: string): number {
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) refuse(field, `"${raw}" is not a time`, 'give an ISO 8601 time (2026-12-02T10:00:00Z) or milliseconds since the epoch');
  return ms;
}

export function stepMs(raw: string): number | null {
  const m = /^(\d{1,4})([mhd])$/.exec(raw);
  if (!m || Number(m[1]) === 0) return null;
  return Number(m[1]) * UNITS[m[2]!]!;
}

export function parseMetricRange(q: MetricRangeQuery, now = Date.now()): MetricRange {
  const to = q.to === undefined ? now : instant('to', q.to);
  const from = q.from === undefined ? to - DEFAULT_RANGE_MS : instant('from', q.from);
  if (from >= to) refuse('from', `${new Date(from).toISOString()} is not before to (${new Date(to).toISOString()})`, 'from must be earlier than to');
  let step = q.step;
  if (step === undefined) step = STEPS.find((s) => Math.floor((to - from) / stepMs(s)!) <= 60) ?? '1d';
  const ms = stepMs(step);
  if (ms === null) refuse('step', `"${step}" is not a step`, 'give a whole number of minutes, hours or days: 1m, 5m, 1h, 1d');
  const points = Math.ceil((to - from) / ms);
  if (points > MAX_POINTS) refuse('step', `${step} over this range gives ${points} points; at most ${MAX_POINTS}`, 'ask for a longer step or a shorter range');
  return { from, to, stepMs: ms, step };
}
