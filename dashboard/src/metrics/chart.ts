// A small line chart in hand-written SVG: one or more series over the same steps, drawn
// as they are (a step without a value, such as a percentile where nothing ran, is a gap,
// never a made-up point). The scale's top and the range's ends are labelled; the
// chart's title and a text summary of every series make it readable without seeing it.
import { h, svg } from '../dom.js';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** the series' figure for the whole range, as text (in the legend) */
  total: string;
}

export interface ChartOptions {
  title: string;
  /** how a value reads (the scale's top, the summary) */
  format: (v: number) => string;
  /** the range's ends, as text */
  from: string;
  to: string;
  /** a figure shown after the legend, as text */
  extra?: string;
}

const W = 240, H = 90, TOP = 14, BOTTOM = 16, LEFT = 2, RIGHT = 2;

function path(values: (number | null)[], max: number): { d: string; dots: [number, number][] } {
  const step = values.length > 1 ? (W - LEFT - RIGHT) / (values.length - 1) : 0;
  const y = (v: number) => TOP + (1 - v / max) * (H - TOP - BOTTOM);
  let d = '';
  const dots: [number, number][] = [];
  values.forEach((v, i) => {
    if (v === null) return;
    const x = LEFT + i * step;
    const joined = i > 0 && values[i - 1] !== null;
    d += `${joined ? 'L' : 'M'}${x.toFixed(1)},${y(v).toFixed(1)}`;
    if (!joined && (i === values.length - 1 || values[i + 1] === null)) dots.push([x, y(v)]);
  });
  return { d, dots };
}

export function lineChart(series: ChartSeries[], opts: ChartOptions): HTMLElement {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(...all, 0) || 1;
  const summary = series.map((s) => {
    const vals = s.values.filter((v): v is number => v !== null);
    return `${s.label}: ${s.total}${vals.length ? `, highest step ${opts.format(Math.max(...vals))}` : ''}`;
  }).join('; ');
  // the first series is drawn last, on top (a busy line over idle zeros)
  const drawn = series.map((s, i) => {
    const { d, dots } = path(s.values, max);
    return svg('g', { class: `series series-${i}` },
      d ? svg('path', { d, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.6, 'stroke-linejoin': 'round', 'vector-effect': 'non-scaling-stroke' }) : null,
      dots.map(([x, y]) => svg('circle', { cx: x.toFixed(1), cy: y.toFixed(1), r: 2, fill: 'currentColor' })));
  });
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${opts.title}, ${opts.from} to ${opts.to}. ${summary}` },
    svg('title', null, `${opts.title}: ${summary}`),
    svg('line', { class: 'axis', x1: 0, x2: W, y1: H - BOTTOM, y2: H - BOTTOM }),
    svg('line', { class: 'grid', x1: 0, x2: W, y1: TOP, y2: TOP }),
    svg('text', { class: 'tick', x: LEFT, y: TOP - 4 }, opts.format(all.length ? Math.max(...all) : 0)),
    svg('text', { class: 'tick', x: LEFT, y: H - 4 }, opts.from),
    svg('text', { class: 'tick', x: W - RIGHT, y: H - 4, 'text-anchor': 'end' }, opts.to),
    drawn.reverse());
  return h('figure', { class: 'chart-card', 'aria-label': opts.title },
    h('figcaption', null, h('span', { class: 'chart-title' }, opts.title),
      h('span', { class: 'legend' }, series.map((s, i) => h('span', { class: `key series-${i}`, 'data-series': s.label }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), `${s.label} `, h('strong', null, s.total))),
        opts.extra ? h('span', { class: 'key' }, opts.extra) : null)),
    chart);
}
