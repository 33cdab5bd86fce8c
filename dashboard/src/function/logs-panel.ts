// The function's recent invocations with their logs, newest first, a page at a time
// (GET /v1/functions/{name}/logs; "Older" follows nextCursor).
import { getJson, fnPath } from '../api.js';
import { fill, h } from '../dom.js';
import { ago, localTime, ms } from '../format.js';
import type { LogEntry, LogPage } from '../types.js';
import { card, errorBox, statusBadge, withBusy } from '../widgets.js';

const PAGE = 10;

function entry(e: LogEntry): HTMLElement {
  return h('li', { class: 'invocation' },
    h('div', { class: 'invocation-head' },
      statusBadge(e.status), h('span', { title: localTime(e.startedAt) }, ago(e.startedAt)),
      h('span', null, ms(e.durationMs)), h('span', null, e.cold ? 'cold' : 'warm'), h('span', null, `v${e.version}`),
      h('span', { class: 'mono muted' }, e.id)),
    h('pre', { class: 'output log' }, e.log || '(nothing printed)'));
}

export function logsPanel(name: string): { node: HTMLElement; refresh(): Promise<void> } {
  const list = h('ul', { class: 'invocations', 'aria-label': 'Recent invocations' });
  const status = h('div');
  const older = h('button', { type: 'button', hidden: true }, 'Older');
  const refreshButton = h('button', { type: 'button' }, 'Refresh');
  let cursor: string | null = null;
  const load = async (fresh: boolean) => {
    try {
      const query = `limit=${PAGE}${!fresh && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await getJson<LogPage>(`${fnPath(name)}/logs?${query}`);
      if (fresh) fill(list);
      fill(status, page.invocations.length === 0 && fresh ? h('p', { class: 'muted' }, 'No invocations yet.') : null);
      for (const e of page.invocations) list.appendChild(entry(e));
      cursor = page.nextCursor;
      older.hidden = cursor === null;
    } catch (err) {
      fill(status, errorBox(err));
    }
  };
  older.addEventListener('click', () => void withBusy(older, 'Loading…', () => load(false)));
  refreshButton.addEventListener('click', () => void withBusy(refreshButton, 'Loading…', () => load(true)));
  void load(true);
  return {
    node: card('Recent invocations', h('div', { class: 'actions' }, refreshButton), status, list, older),
    refresh: () => load(true),
  };
}
