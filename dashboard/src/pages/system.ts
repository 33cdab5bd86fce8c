// The node: health (version, driver), the sandbox driver's facts, the sandbox budget
// (sandboxes and memory against the node's limits), admission (in flight and queued,
// sampled while the page is open), the pre-warmed sandboxes and the warm instances
// with their memory (GET /v1/pool: a key with node:read, not limited to some functions),
// and the node's throughput over a chosen range (metrics/slots.ts, kept across redraws).
import { getJson } from '../api.js';
import { fill, h } from '../dom.js';
import { duration, kb, ms } from '../format.js';
import { systemCharts } from '../metrics/slots.js';
import type { PageContext } from '../page.js';
import { sparkline } from '../sparkline.js';
import type { Health, PoolReport } from '../types.js';
import { card, errorBox, loading } from '../widgets.js';

const REFRESH_MS = 5000;
const SAMPLES = 60;

function meter(label: string, used: number, max: number, unit: string): HTMLElement {
  const meterEl = h('meter', { min: 0, max: Math.max(max, 1), value: used, 'aria-label': label });
  return h('div', { class: 'meter' }, h('span', { class: 'label' }, label), meterEl, h('span', null, `${used} / ${max} ${unit}`));
}

function value(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function systemPage(ctx: PageContext): HTMLElement {
  const body = h('div', { class: 'stack' }, loading());
  const inFlight: number[] = [];
  const throughput = systemCharts(ctx.signal);
  const load = async () => {
    const [health, pool] = await Promise.all([getJson<Health>('/healthz'), getJson<PoolReport>('/v1/pool')]);
    if (ctx.signal.aborted) return;
    inFlight.push(pool.admission.inFlight);
    if (inFlight.length > SAMPLES) inFlight.shift();
    const { budget, admission, freeze } = pool;
    fill(body,
      h('div', { class: 'columns' },
        card('Node',
          h('dl', { class: 'facts' },
            h('dt', null, 'Status'), h('dd', null, health.status), h('dt', null, 'Version'), h('dd', null, health.version),
            h('dt', null, 'Driver'), h('dd', null, health.driver),
            h('dt', null, 'Freezing'), h('dd', null, freeze.method ? `${freeze.method}, after ${ms(freeze.afterMs)} idle` : 'not with this driver')),
          h('details', null, h('summary', null, 'Driver facts'),
            h('dl', { class: 'facts' }, Object.entries(pool.sandbox).map(([k, v]) => [h('dt', null, k), h('dd', { class: 'mono' }, value(v))])))),
        card('Budget and admission',
          meter('Sandboxes', budget.sandboxes, budget.maxSandboxes, ''),
          meter('Memory limits', budget.memoryMb, budget.maxMemoryMb, 'MB'),
          meter('In flight', admission.inFlight, admission.nodeLimit, ''),
          h('p', null, `Queued: ${admission.queued}`),
          h('div', { class: 'samples' },
            h('span', { class: 'muted' }, `in flight, last ${inFlight.length} samples (every ${REFRESH_MS / 1000} s while this page is open)`),
            sparkline(inFlight, { label: 'invocations in flight', max: 1 })))),
      throughput,
      card(`Pre-warmed sandboxes (${pool.generic.length})`, pool.generic.length === 0 ? h('p', { class: 'muted' }, 'None.') : h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('thead', null, h('tr', null, ['Id', 'Runtime', 'Network', 'State', 'Frozen', 'Age'].map((c) => h('th', null, c)), ['Limit', 'Host memory'].map((c) => h('th', { class: 'num' }, c)))),
        h('tbody', null, pool.generic.map((s) => h('tr', null,
          h('td', { class: 'mono' }, s.id ?? '–'), h('td', null, s.runtime), h('td', null, s.network), h('td', null, s.state), h('td', null, s.frozen ? 'yes' : 'no'),
          h('td', null, duration(s.ageMs)), h('td', { class: 'num' }, `${s.memoryMb} MB`), h('td', { class: 'num' }, kb(s.memoryKb)))))))),
      card(`Warm instances (${pool.instances.length})`, pool.instances.length === 0 ? h('p', { class: 'muted' }, 'None.') : h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
        h('thead', null, h('tr', null, h('th', null, 'Function'), h('th', { class: 'num' }, 'Version'), ['State', 'Frozen', 'Age', 'Idle'].map((c) => h('th', null, c)),
          ['Invocations', 'Init', 'Peak RSS', 'Host memory'].map((c) => h('th', { class: 'num' }, c)))),
        h('tbody', null, pool.instances.map((i) => h('tr', null,
          h('td', null, h('a', { href: `#/functions/${encodeURIComponent(i.function)}` }, i.function)), h('td', { class: 'num' }, i.version), h('td', null, i.state),
          h('td', null, i.frozen ? 'yes' : 'no'), h('td', null, duration(i.ageMs)), h('td', null, duration(i.idleMs)), h('td', { class: 'num' }, i.invocations),
          h('td', { class: 'num' }, ms(i.initMs)), h('td', { class: 'num' }, kb(i.maxRssKb)), h('td', { class: 'num' }, kb(i.memoryKb)))))))));
  };
  const tick = () => load().catch((err) => { if (!ctx.signal.aborted) fill(body, errorBox(err)); });
  void tick();
  const timer = setInterval(() => void tick(), REFRESH_MS);
  ctx.signal.addEventListener('abort', () => clearInterval(timer));
  return h('div', { class: 'page' }, h('div', { class: 'page-head' }, h('h1', null, 'System')), body);
}
