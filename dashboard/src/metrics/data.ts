// The metrics API's shapes (docs/metrics.md) and the ranges the pages offer. The server
// picks the step (at most 60 points) and rounds the range out to whole steps.
import { fnPath, getJson } from '../api.js';

export interface MetricFigures {
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  duration: { p50: number | null; p95: number | null; p99: number | null; mean: number | null; max: number | null };
  initMeanMs: number | null;
  memory: { meanKb: number | null; peakKb: number | null };
  cpuMs: number;
}

export interface MetricPoint extends MetricFigures {
  at: string;
}

export interface MetricSeries {
  function: string | null;
  from: string;
  to: string;
  step: string;
  stepSeconds: number;
  points: MetricPoint[];
  totals: MetricFigures;
}

export interface NodeMetrics extends MetricSeries {
  functions: { name: string; totals: MetricFigures; invocations: number[] }[];
  node: {
    at: string;
    admission: { inFlight: number; queued: number; nodeLimit: number };
    prewarmed: { booting: number; ready: number; frozen: number };
    instances: { idle: number; frozen: number; busy: number; stopping: number };
    sandboxMemoryKb: number;
    functions: number;
  };
}

export const RANGES = [
  { id: '15m', label: 'last 15 min', ms: 15 * 60_000 },
  { id: '1h', label: 'last hour', ms: 3600_000 },
  { id: '6h', label: 'last 6 hours', ms: 6 * 3600_000 },
  { id: '24h', label: 'last 24 hours', ms: 24 * 3600_000 },
  { id: '7d', label: 'last 7 days', ms: 7 * 24 * 3600_000 },
] as const;

export type RangeId = (typeof RANGES)[number]['id'];

export function rangeOf(id: RangeId): (typeof RANGES)[number] {
  return RANGES.find((r) => r.id === id) ?? RANGES[1];
}

const since = (id: RangeId) => `from=${Date.now() - rangeOf(id).ms}`;

export function functionSeries(name: string, range: RangeId): Promise<MetricSeries> {
  return getJson<MetricSeries>(`${fnPath(name)}/metrics?${since(range)}`);
}

export function nodeSeries(range: RangeId): Promise<NodeMetrics> {
  return getJson<NodeMetrics>(`/v1/metrics?${since(range)}`);
}
