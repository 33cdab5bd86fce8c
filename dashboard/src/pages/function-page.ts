// One function: what $LATEST runs, invoke it, its log live, its recent invocations and logs, its
// metrics over a chosen range, deploy new code, its settings, versions and aliases, and
// deleting it (confirmed in the page).
// The invoke and log panels stay as they are when the rest is redrawn after a change.
import { call, fnPath, getJson } from '../api.js';
import { codeSource } from '../code-source.js';
import { fill, h } from '../dom.js';
import { ago, bytes, localTime } from '../format.js';
import { invokePanel } from '../function/invoke-panel.js';
import { liveLogPanel } from '../function/live-log-panel.js';
import { logsPanel } from '../function/logs-panel.js';
import { settingsPanel } from '../function/settings-panel.js';
import { versionsPanel } from '../function/versions-panel.js';
import { functionCharts } from '../metrics/slots.js';
import type { PageContext } from '../page.js';
import type { FunctionDetail, Version } from '../types.js';
import { card, errorBox, loading, withBusy } from '../widgets.js';

export function functionPage(ctx: PageContext, name: string): HTMLElement {
  const summary = h('div', null, loading());
  const settings = h('div');
  const versions = h('div');
  const logs = logsPanel(name);
  const charts = functionCharts(name, ctx.signal);
  const invoke = invokePanel(name, () => { void logs.refresh(); void charts.refresh(); });
  /** redraws all but the invoke and log panels; a panel that caused it shows its notice */
  const refresh = async (notices: { settings?: string; versions?: string } = {}): Promise<void> => {
    try {
      const [detail, list] = await Promise.all([getJson<FunctionDetail>(fnPath(name)), getJson<{ versions: Version[] }>(`${fnPath(name)}/versions`)]);
      if (ctx.signal.aborted) return;
      const { function: fn, latest, aliases } = detail;
      fill(summary, h('dl', { class: 'facts summary' },
        h('dt', null, 'Runtime'), h('dd', null, fn.runtime),
        h('dt', null, '$LATEST'), h('dd', null, latest ? `version ${latest.version}, ${bytes(latest.codeSize)}, ${latest.memory} MB, ${latest.timeout} s` : 'no code yet'),
        h('dt', null, 'Handler'), h('dd', { class: 'mono' }, fn.handler),
        h('dt', null, 'Modified'), h('dd', { title: localTime(fn.updatedAt) }, ago(fn.updatedAt)),
        fn.description ? [h('dt', null, 'Description'), h('dd', null, fn.description)] : null));
      fill(settings, settingsPanel(fn, latest, (notice) => void refresh({ settings: notice }), notices.settings));
      fill(versions, versionsPanel(fn, latest, list.versions, aliases, (notice) => void refresh({ versions: notice }), notices.versions));
      invoke.update(list.versions, aliases);
    } catch (err) {
      fill(summary, errorBox(err));
    }
  };
  void refresh();
  return h('div', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', null, name), h('a', { href: '#/functions' }, '← Functions')),
    summary, charts.node,
    h('div', { class: 'columns' }, invoke.node, deployCard(name, () => refresh())),
    liveLogPanel(name, ctx.signal), logs.node, settings, versions, deleteCard(ctx, name));
}

/** Deploy new code as a new version, with the function's current settings. */
function deployCard(name: string, onDeployed: () => Promise<void>): HTMLElement {
  const code = codeSource();
  const button = h('button', { type: 'submit', class: 'primary' }, 'Deploy');
  const done = h('div', { 'aria-live': 'polite' });
  const form = h('form', { 'aria-label': 'Deploy' },
    h('p', { class: 'note' }, 'A new version with this code and the function\'s current settings; $LATEST runs it.'), code.node, h('div', { class: 'actions' }, button), done);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    fill(code.errors);
    fill(done);
    void withBusy(button, 'Deploying…', async () => {
      try {
        const current = await getJson<FunctionDetail>(fnPath(name));
        const pkg = await code.package(current.function.handler);
        const res = await call('POST', `${fnPath(name)}/versions`, { body: pkg.body, headers: { 'content-type': pkg.type } });
        fill(done, h('p', { class: 'ok' }, `Deployed version ${res.json<{ version: Version }>().version.version}.`));
        await onDeployed();
      } catch (err) {
        fill(code.errors, errorBox(err));
      }
    });
  });
  return card('Deploy code', form);
}

function deleteCard(ctx: PageContext, name: string): HTMLElement {
  const confirmBox = h('div', { class: 'confirm', hidden: true });
  const start = h('button', { type: 'button', class: 'danger' }, 'Delete function');
  start.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: 'danger' }, `Delete ${name} for good`);
    const no = h('button', { type: 'button' }, 'Cancel');
    const result = h('div', { 'aria-live': 'polite' });
    no.addEventListener('click', () => { confirmBox.hidden = true; start.hidden = false; });
    yes.addEventListener('click', () => void withBusy(yes, 'Deleting…', async () => {
      try {
        await call('DELETE', fnPath(name));
        ctx.go('/functions');
      } catch (err) {
        fill(result, errorBox(err));
      }
    }));
    fill(confirmBox, h('p', null, `Delete ${name} with all its versions, aliases, code and logs? This cannot be undone.`), h('div', { class: 'actions' }, yes, no), result);
    confirmBox.hidden = false;
    start.hidden = true;
  });
  return card('Delete', start, confirmBox);
}
