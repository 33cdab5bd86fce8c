// skyscale metrics [--name N] [--since 1h] [--step 5m]: a function's metrics (or, with
// no name, the node's: every function together and the sandboxes now) over the last
// while: the totals, a sparkline each of invocations and p99 duration, and a table of
// the steps that had invocations. --json prints the API's object.
import { CliError } from '../cli-error.js';
import { table, type Command } from '../command.js';

interface Point {
  at: string;
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  duration: { p50: number | null; p95: number | null; p99: number | null; mean: number | null; max: number | null };
  memory: { meanKb: number | null; peakKb: number | null };
  cpuMs: number;
}
interface Series {
  function: string | null;
  from: string;
  to: string;
  step: string;
  points: Point[];
  totals: Omit<Point, 'at'>;
  node?: {
    admission: { inFlight: number; queued: number; nodeLimit: number };
    prewarmed: Record<string, number>;
    instances: Record<string, number>;
    sandboxMemoryKb: number;
  };
}

const BARS = '▁▂▃▄▅▆▇█';
const DURATION = /^(\d{1,4})([mhd])$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** One character per value, scaled to the largest; a gap where there is no value. */
export function sparkline(values: (number | null)[]): string {
  const max = Math.max(0, ...values.filter((v): v is number => v !== null));
  return values.map((v) => (v === null ? ' ' : BARS[max === 0 ? 0 : Math.round((v / max) * (BARS.length - 1))])).join('');
}

const ms = (v: number | null) => (v === null ? null : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 2 : 1)} ms`);
const mb = (kb: number | null) => (kb === null ? null : `${(kb / 1024).toFixed(1)} MB`);
const time = (iso: string) => iso.slice(5, 16).replace('T', ' ');

export const metricsCommand: Command = {
  name: 'metrics',
  summary: "show a function's metrics (or the node's, without --name) over the last hour or --since",
  usage: 'skyscale metrics [--name NAME] [--since 1h] [--step 5m]',
  options: { name: { type: 'string', short: 'n' }, since: { type: 'string' }, step: { type: 'string' } },
  async run(values, positionals, ctx) {
    const name = (values.name as string | undefined) ?? positionals[0];
    const since = (values.since as string | undefined) ?? '1h';
    const m = DURATION.exec(since);
    if (!m || Number(m[1]) === 0) throw new CliError('InvalidArguments', `--since must be a whole number of minutes, hours or days (got ${JSON.stringify(since)})`, `usage: ${this.usage}`);
    const query = new URLSearchParams({ from: new Date(Date.now() - Number(m[1]) * UNIT_MS[m[2]!]!).toISOString() });
    if (values.step !== undefined) query.set('step', values.step as string);
    const path = name ? `/v1/functions/${encodeURIComponent(name)}/metrics` : '/v1/metrics';
    const s = await ctx.client().json<Series>('GET', `${path}?${query}`);
    if (ctx.json) {
      ctx.out(JSON.stringify(s));
      return 0;
    }
    const t = s.totals;
    const errorShare = t.invocations ? ` (${((t.errors / t.invocations) * 100).toFixed(1)} %)` : '';
    ctx.out(`${name ?? 'all functions'}: last ${since} in ${s.step} steps (${time(s.from)} to ${time(s.to)} UTC)`);
    ctx.out(`${t.invocations} invocations, ${t.errors} errors${errorShare}, ${t.throttles} throttled, ${t.coldStarts} cold starts`);
    if (t.invocations) {
      ctx.out(`duration p50 ${ms(t.duration.p50) ?? '-'}, p95 ${ms(t.duration.p95) ?? '-'}, p99 ${ms(t.duration.p99) ?? '-'}, max ${ms(t.duration.max) ?? '-'}; `
        + `memory mean ${mb(t.memory.meanKb) ?? '-'}, peak ${mb(t.memory.peakKb) ?? '-'}; CPU ${t.cpuMs.toFixed(1)} ms`);
    }
    if (s.node) {
      const n = s.node;
      ctx.out(`node now: ${n.admission.inFlight} running, ${n.admission.queued} waiting (limit ${n.admission.nodeLimit}); `
        + `pre-warmed ${Object.entries(n.prewarmed).map(([k, v]) => `${v} ${k}`).join(', ')}; `
        + `instances ${Object.entries(n.instances).map(([k, v]) => `${v} ${k}`).join(', ')}; sandbox memory ${mb(n.sandboxMemoryKb)}`);
    }
    const peak = Math.max(0, ...s.points.map((p) => p.invocations));
    const p99s = s.points.map((p) => p.duration.p99);
    ctx.out('');
    ctx.out(`invocations  ${sparkline(s.points.map((p) => p.invocations))}  max ${peak}`);
    ctx.out(`p99          ${sparkline(p99s)}  max ${ms(Math.max(0, ...p99s.filter((v): v is number => v !== null))) ?? '-'}`);
    const busy = s.points.filter((p) => p.invocations || p.throttles);
    if (busy.length) {
      ctx.out('');
      ctx.out(table([['STEP (UTC)', 'CALLS', 'ERRORS', 'THROTTLED', 'COLD', 'P50', 'P95', 'P99', 'PEAK MEMORY', 'CPU'],
        ...busy.map((p) => [time(p.at), p.invocations, p.errors, p.throttles, p.coldStarts, ms(p.duration.p50), ms(p.duration.p95), ms(p.duration.p99),
          mb(p.memory.peakKb), `${p.cpuMs.toFixed(1)} ms`])]));
    }
    return 0;
  },
};
