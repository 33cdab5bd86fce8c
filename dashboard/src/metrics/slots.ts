// Where metrics plug into the pages, from the control plane's rollups (docs/metrics.md):
// a sparkline of the last hour per function in the list (GET /v1/metrics), charts over a
// chosen range on a function's page (GET /v1/functions/{name}/metrics) and the node's
// throughput and figures on the system page (GET /v1/metrics). Nothing is made up: a
// step where nothing ran is a zero (or a gap, for a percentile), and a refused query
// shows the API's type and message where the charts would be.
import { fill, h } from '../dom.js';
import { kb, ms } from '../format.js';
import { sparkline } from '../sparkline.js';
import { errorBox } from '../widgets.js';
import { lineChart } from './chart.js';
import { functionSeries, nodeSeries, RANGES, rangeOf, type MetricSeries, type NodeMetrics, type RangeId } from './data.js';

const REFRESH_MS = 30_000;
const count = (v: number) => String(Math.round(v * 100) / 100);
const kbOrDash = (v: number | null) => kb(v);

function timeLabel(iso: string, range: RangeId): string {
  const d = new Date(iso);
  return range === '7d' ? d.toLocaleDateString([], { month: 'short', day: 'numeric' }) : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** The charts every series has: invocations (errors, throttles), duration, cold starts, memory. */
function seriesCharts(s: MetricSeries, range: RangeId): HTMLElement {
  const p = s.points, t = s.totals;
  const ends = { from: timeLabel(s.from, range), to: timeLabel(s.to, range) };
  const per = `per ${s.step}`;
  return h('div', { class: 'charts' },
    lineChart([
      { label: 'invocations', values: p.map((x) => x.invocations), total: count(t.invocations) },
      { label: 'errors', values: p.map((x) => x.errors), total: count(t.errors) },
      { label: 'throttles', values: p.map((x) => x.throttles), total: count(t.throttles) },
    ], { title: `Invocations ${per}`, format: count, ...ends }),
    lineChart([
      { label: 'p50', values: p.map((x) => x.duration.p50), total: ms(t.duration.p50) },
      { label: 'p99', values: p.map((x) => x.duration.p99), total: ms(t.duration.p99) },
    ], { title: 'Duration', format: ms, ...ends }),
    lineChart([
      { label: 'cold starts', values: p.map((x) => x.coldStarts), total: count(t.coldStarts) },
    ], { title: `Cold starts ${per}`, format: count, extra: `init mean ${ms(t.initMeanMs)}`, ...ends }),
    lineChart([
      { label: 'peak', values: p.map((x) => x.memory.peakKb), total: kbOrDash(t.memory.peakKb) },
      { label: 'mean', values: p.map((x) => x.memory.meanKb), total: kbOrDash(t.memory.meanKb) },
    ], { title: 'Memory', format: kbOrDash, ...ends }));
}

/** A range picker and a body redrawn from `load` now, on a change, every REFRESH_MS and on refresh(). */
function rangedCard<T>(title: string, signal: AbortSignal, load: (range: RangeId) => Promise<T>, draw: (data: T, range: RangeId) => HTMLElement, initial: RangeId) {
  const select = h('select', { 'aria-label': 'Range' }, RANGES.map((r) => h('option', { value: r.id, selected: r.id === initial }, r.label)));
  select.value = initial;
  const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  let asked = 0;
  const refresh = async () => {
    const ticket = ++asked;
    const range = select.value as RangeId;
    try {
      const data = await load(range);
      if (signal.aborted || ticket !== asked) return;
      fill(body, draw(data, range));
    } catch (err) {
      if (!signal.aborted && ticket === asked) fill(body, errorBox(err));
    }
  };
  select.addEventListener('change', () => void refresh());
  const timer = setInterval(() => void refresh(), REFRESH_MS);
  signal.addEventListener('abort', () => clearInterval(timer));
  void refresh();
  const node = h('section', { class: 'card', 'aria-label': title },
    h('div', { class: 'card-head' }, h('h2', null, title), h('label', { class: 'inline' }, 'Range ', select)), body);
  return { node, refresh };
}

/** The function list's extra column: a sparkline of each function's invocations over the last hour. */
export function functionListColumn(names: string[], signal: AbortSignal): { title: string; cell(name: string): Node; note: HTMLElement } {
  const cells = new Map(names.map((n) => [n, h('span', { class: 'spark-cell muted' }, '…')]));
  const note = h('div');
  nodeSeries('1h').then((m) => {
    if (signal.aborted) return;
    const ran = new Map(m.functions.map((f) => [f.name, f]));
    for (const [name, cell] of cells) {
      const f = ran.get(name);
      const values = f ? f.invocations : m.points.map(() => 0);
      const total = f ? f.totals.invocations : 0;
      const label = `${name}: ${total} invocation${total === 1 ? '' : 's'} in the last hour`;
      cell.className = 'spark-cell';
      cell.dataset.invocations = String(total);
      fill(cell, sparkline(values, { label, width: 120, height: 24 }), h('span', { class: 'spark-total', 'aria-hidden': 'true' }, String(total)));
    }
  }, (err) => {
    if (signal.aborted) return;
    for (const cell of cells.values()) fill(cell, '–');
    fill(note, errorBox(err));
  });
  return { title: 'Invocations, last hour', cell: (name) => cells.get(name) ?? h('span'), note };
}

/** The function page's charts over a chosen range; refresh() redraws them (after an invoke). */
export function functionCharts(name: string, signal: AbortSignal): { node: HTMLElement; refresh(): Promise<void> } {
  return rangedCard('Metrics', signal, (range) => functionSeries(name, range), (s, range) => h('div', null,
    h('p', { class: 'note' }, `${rangeOf(range).label}, one point ${s.step === '1m' ? 'a minute' : `per ${s.step}`}. Cold starts count pool and boot starts together; skyscale_cold_starts_total at /metrics splits them.`),
    seriesCharts(s, range)), '1h');
}

/** The system page's throughput charts over a chosen range, and what the node holds now. */
export function systemCharts(signal: AbortSignal): HTMLElement {
  return rangedCard('Throughput', signal, (range) => nodeSeries(range), (m: NodeMetrics, range) => {
    const n = m.node;
    return h('div', null,
      h('dl', { class: 'facts node-figures' },
        h('dt', null, 'In flight'), h('dd', null, `${n.admission.inFlight} of ${n.admission.nodeLimit}, ${n.admission.queued} queued`),
        h('dt', null, 'Pre-warmed'), h('dd', null, `${n.prewarmed.ready} ready, ${n.prewarmed.frozen} frozen, ${n.prewarmed.booting} booting`),
        h('dt', null, 'Warm instances'), h('dd', null, `${n.instances.idle} idle, ${n.instances.frozen} frozen, ${n.instances.busy} busy, ${n.instances.stopping} stopping (${n.functions} function${n.functions === 1 ? '' : 's'})`),
        h('dt', null, 'Sandbox memory'), h('dd', null, kb(n.sandboxMemoryKb))),
      seriesCharts(m, range),
      m.functions.length === 0 ? null : h('div', { class: 'table-wrap' }, h('table', { class: 'list', 'aria-label': 'Busiest functions' },
        h('thead', null, h('tr', null, h('th', null, 'Function'), h('th', { class: 'num' }, 'Invocations'), h('th', { class: 'num' }, 'Errors'), h('th', { class: 'num' }, 'p99'), h('th', null, rangeOf(range).label))),
        h('tbody', null, m.functions.map((f) => h('tr', null,
          h('td', null, h('a', { href: `#/functions/${encodeURIComponent(f.name)}` }, f.name)),
          h('td', { class: 'num' }, f.totals.invocations), h('td', { class: 'num' }, f.totals.errors), h('td', { class: 'num' }, ms(f.totals.duration.p99)),
          h('td', null, sparkline(f.invocations, { label: `${f.name}: ${f.totals.invocations} invocations`, width: 120, height: 24 }))))))));
  }, '1h').node;
}
