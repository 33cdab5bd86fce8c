// The functions the key may see: name, runtime, memory, the version $LATEST runs, and
// when each was last changed, and a sparkline of each one's invocations over the last
// hour (metrics/slots.ts).
import { getJson } from '../api.js';
import { fill, h } from '../dom.js';
import { ago, localTime } from '../format.js';
import type { PageContext } from '../page.js';
import { functionListColumn } from '../metrics/slots.js';
import type { FunctionInfo } from '../types.js';
import { errorBox, loading } from '../widgets.js';

export function functionListPage(ctx: PageContext): HTMLElement {
  const body = h('div', null, loading());
  void getJson<{ functions: FunctionInfo[] }>('/v1/functions').then(({ functions }) => {
    if (ctx.signal.aborted) return;
    if (functions.length === 0) {
      fill(body, h('p', { class: 'empty' }, 'No functions yet. ', h('a', { href: '#/new' }, 'Create one'), '.'));
      return;
    }
    const metrics = functionListColumn(functions.map((f) => f.name), ctx.signal);
    fill(body, metrics?.note, h('div', { class: 'table-wrap' }, h('table', { class: 'list' },
      h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Runtime'), h('th', { class: 'num' }, 'Memory'),
        h('th', { class: 'num' }, 'Latest version'), h('th', null, 'Last modified'), metrics ? h('th', null, metrics.title) : null)),
      h('tbody', null, functions.map((f) => h('tr', null,
        h('td', null, h('a', { href: `#/functions/${encodeURIComponent(f.name)}` }, f.name)),
        h('td', null, f.runtime),
        h('td', { class: 'num' }, `${f.memory} MB`),
        h('td', { class: 'num' }, f.latestVersion ?? 'no code'),
        h('td', { title: localTime(f.updatedAt) }, ago(f.updatedAt)),
        metrics ? h('td', null, metrics.cell(f.name)) : null))))));
  }, (err) => fill(body, errorBox(err)));
  return h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', null, 'Functions'), h('a', { class: 'button primary', href: '#/new' }, 'New function')),
    body);
}
