// The function's published versions and its aliases: point an alias at a version, roll
// an alias (or $LATEST) back to the previous version, delete an alias.
import { call, fnPath } from '../api.js';
import { fill, h } from '../dom.js';
import { ago, bytes, localTime } from '../format.js';
import type { Alias, FunctionInfo, Version } from '../types.js';
import { card, errorBox, labelled, withBusy } from '../widgets.js';

/** `onChanged` redraws the page with this panel showing `notice`. */
export function versionsPanel(fn: FunctionInfo, latest: Version | null, versions: Version[], aliases: Alias[], onChanged: (notice: string) => void, notice?: string): HTMLElement {
  const result = h('div', { 'aria-live': 'polite' }, notice ? h('p', { class: 'ok' }, notice) : null);
  const act = (button: HTMLButtonElement, busy: string, work: () => Promise<string>) => void withBusy(button, busy, async () => {
    try {
      onChanged(await work());
    } catch (err) {
      fill(result, errorBox(err));
    }
  });
  const rollback = (alias?: string) => async () => {
    const res = await call('POST', `${fnPath(fn.name)}/rollback`, { json: alias ? { alias } : {} });
    const moved = res.json<{ rollback: { from: number; to: number } }>().rollback;
    return `${alias ?? '$LATEST'} rolled back from version ${moved.from} to ${moved.to}.`;
  };
  const tags = (v: number) => [
    v === fn.latestVersion ? h('span', { class: 'tag tag-latest' }, '$LATEST') : null,
    aliases.filter((a) => a.version === v).map((a) => h('span', { class: 'tag' }, a.name)),
  ];
  const versionTable = versions.length === 0 ? h('p', { class: 'muted' }, 'No versions yet: deploy code.') : h('div', { class: 'table-wrap' }, h('table', { class: 'list', 'aria-label': 'Versions' },
    h('thead', null, h('tr', null, h('th', { class: 'num' }, 'Version'), h('th', null, ''), h('th', null, 'Deployed'), h('th', null, 'Code'), h('th', { class: 'num' }, 'Size'), h('th', { class: 'num' }, 'Memory'), h('th', { class: 'num' }, 'Timeout'))),
    h('tbody', null, [...versions].reverse().map((v) => h('tr', null,
      h('td', { class: 'num' }, v.version), h('td', null, tags(v.version)), h('td', { title: localTime(v.createdAt) }, ago(v.createdAt)),
      h('td', { class: 'mono', title: v.codeSha256 }, v.codeSha256.slice(0, 12)), h('td', { class: 'num' }, bytes(v.codeSize)),
      h('td', { class: 'num' }, `${v.memory} MB`), h('td', { class: 'num' }, `${v.timeout} s`))))));

  const rollbackLatest = h('button', { type: 'button' }, 'Roll back $LATEST');
  rollbackLatest.addEventListener('click', () => act(rollbackLatest, 'Rolling back…', rollback()));
  // a $LATEST changed through the Lambda API is not a version until published (a deploy here always is)
  const publish = latest && !latest.published ? h('button', { type: 'button' }, 'Publish $LATEST') : null;
  publish?.addEventListener('click', () => act(publish, 'Publishing…', async () => {
    const res = await call('POST', `${fnPath(fn.name)}/publish`);
    return `$LATEST published as version ${res.json<{ version: Version }>().version.version}.`;
  }));

  const aliasList = aliases.length === 0 ? h('p', { class: 'muted' }, 'No aliases.') : h('ul', { class: 'aliases', 'aria-label': 'Aliases' }, aliases.map((a) => {
    const back = h('button', { type: 'button', 'aria-label': `Roll back ${a.name}` }, 'Roll back');
    back.addEventListener('click', () => act(back, 'Rolling back…', rollback(a.name)));
    const del = h('button', { type: 'button', class: 'link', 'aria-label': `Delete alias ${a.name}` }, 'Delete');
    del.addEventListener('click', () => act(del, 'Deleting…', async () => {
      await call('DELETE', `${fnPath(fn.name)}/aliases/${encodeURIComponent(a.name)}`);
      return `Alias ${a.name} deleted.`;
    }));
    return h('li', null, h('strong', null, a.name), ` → version ${a.version}`, a.description ? h('span', { class: 'muted' }, ` ${a.description}`) : null, ' ', back, ' ', del);
  }));

  const aliasName = h('input', { name: 'alias', required: true, placeholder: 'live', spellcheck: 'false', 'aria-label': 'Alias name' });
  const aliasVersion = h('select', { name: 'aliasVersion', 'aria-label': 'Alias version' }, [...versions].reverse().map((v) => h('option', { value: String(v.version) }, `version ${v.version}`)));
  const setAlias = h('button', { type: 'submit' }, 'Set alias');
  const aliasForm = h('form', { class: 'inline-form', 'aria-label': 'Set alias' }, labelled('Alias', aliasName), labelled('Version', aliasVersion), setAlias);
  aliasForm.addEventListener('submit', (event) => {
    event.preventDefault();
    act(setAlias, 'Saving…', async () => {
      await call('PUT', `${fnPath(fn.name)}/aliases/${encodeURIComponent(aliasName.value)}`, { json: { version: Number(aliasVersion.value) } });
      return `Alias ${aliasName.value} → version ${aliasVersion.value}.`;
    });
  });

  return card('Versions and aliases', versionTable,
    h('div', { class: 'actions' }, publish, rollbackLatest, h('small', { class: 'note' }, '$LATEST and the settings go back to the previous version')),
    h('h3', null, 'Aliases'), aliasList, versions.length > 0 ? aliasForm : null, result);
}
