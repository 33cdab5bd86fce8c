// A small line chart in SVG, drawn from numbers as they are (no smoothing, no made-up
// points): the system page's samples now, the metrics' series later.
import { svg } from './dom.js';

export function sparkline(values: number[], opts: { width?: number; height?: number; max?: number; label: string }): SVGSVGElement {
  const width = opts.width ?? 160, height = opts.height ?? 32;
  const max = Math.max(opts.max ?? 0, ...values, 1);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  return svg('svg', { class: 'sparkline', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': opts.label },
    svg('title', null, opts.label),
    values.length > 1 ? svg('polyline', { points, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.5 }) : null);
}
