// skyscale pool: the node's sandboxes — pre-warmed generic ones and warm instances —
// with their state (frozen while idle, where the node freezes), age and memory, how
// many invocations run and wait, how full the node's sandbox budget is, and the
// asynchronous invocations per state.
import { table, type Command } from '../command.js';

interface PoolView {
  sandbox: { driver: string };
  admission: { inFlight: number; queued: number; nodeLimit: number };
  freeze?: { method: string | null; afterMs: number };
  budget?: { sandboxes: number; maxSandboxes: number; memoryMb: number; maxMemoryMb: number };
  generic: { id: string | null; runtime: string; memoryMb: number; network?: string; state: string; frozen?: boolean; ageMs: number; memoryKb: number | null }[];
  /** asynchronous invocations per state */
  async?: Partial<Record<'queued' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'expired', number>>;
  instances: { id: string; function: string; version: number; state: string; frozen?: boolean; ageMs: number; idleMs: number; invocations: number; initMs: number | null; maxRssKb: number | null; memoryKb: number | null }[];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (kb: number | null) => (kb === null ? null : `${(kb / 1024).toFixed(1)} MB`);
const state = (s: { state: string; frozen?: boolean }) => (s.frozen ? `${s.state}, frozen` : s.state);

function freezing(f: PoolView['freeze']): string {
  if (!f) return '';
  if (!f.method) return '; idle sandboxes are not frozen (the driver cannot freeze)';
  if (!f.afterMs) return '; idle sandboxes are not frozen (SKYSCALE_FREEZE_AFTER_MS=0)';
  return `; idle sandboxes are frozen after ${seconds(f.afterMs)} (${f.method})`;
}

export const poolCommand: Command = {
  name: 'pool',
  summary: "show the node's pre-warmed sandboxes and warm instances",
  usage: 'skyscale pool',
  options: {},
  async run(_values, _positionals, ctx) {
    const p = await ctx.client().json<PoolView>('GET', '/v1/pool');
    if (ctx.json) {
      ctx.out(JSON.stringify(p));
      return 0;
    }
    ctx.out(`driver ${p.sandbox.driver}; ${p.admission.inFlight} running, ${p.admission.queued} waiting, limit ${p.admission.nodeLimit}${freezing(p.freeze)}`);
    if (p.budget) ctx.out(`budget: ${p.budget.sandboxes} of ${p.budget.maxSandboxes} sandboxes; memory limits ${p.budget.memoryMb} of ${p.budget.maxMemoryMb} MB`);
    if (p.async) {
      const a = p.async;
      ctx.out(`asynchronous invocations: ${a.queued ?? 0} queued, ${a.running ?? 0} running, ${a.retrying ?? 0} retrying; kept: ${a.succeeded ?? 0} succeeded, ${a.failed ?? 0} failed, ${a.expired ?? 0} expired`);
    }
    ctx.out(`\npre-warmed (no code yet): ${p.generic.length}`);
    if (p.generic.length) ctx.out(table([['SANDBOX', 'RUNTIME', 'LIMIT', 'NETWORK', 'STATE', 'AGE', 'HOST MEMORY'], ...p.generic.map((g) => [g.id ?? '-', g.runtime, `${g.memoryMb} MB`, g.network ?? '-', state(g), seconds(g.ageMs), mb(g.memoryKb)])]));
    ctx.out(`\nwarm instances: ${p.instances.length}`);
    if (p.instances.length) {
      ctx.out(table([['SANDBOX', 'FUNCTION', 'VERSION', 'STATE', 'AGE', 'IDLE', 'CALLS', 'INIT', 'PEAK RSS', 'HOST MEMORY'],
        ...p.instances.map((i) => [i.id, i.function, i.version, state(i), seconds(i.ageMs), seconds(i.idleMs), i.invocations,
          i.initMs === null ? null : `${i.initMs.toFixed(1)} ms`, mb(i.maxRssKb), mb(i.memoryKb)])]));
    }
    return 0;
  },
};
