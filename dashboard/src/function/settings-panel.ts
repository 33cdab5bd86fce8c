// The function's settings: runtime, handler, memory, timeout, environment (secret values
// shown masked; the mask sent back keeps them), network, min warm (PUT
// /v1/functions/{name}), and reserved concurrency (the Lambda API's
// /2017-10-31/functions/{name}/concurrency, which takes the same key).
import { call, fnPath } from '../api.js';
import { fill, h } from '../dom.js';
import type { EnvValue, FunctionInfo, Version } from '../types.js';
import { RUNTIMES } from '../types.js';
import { card, errorBox, labelled, withBusy } from '../widgets.js';


interface EnvRow { node: HTMLElement; read(): [string, EnvValue] | null }

function envRow(key: string, value: EnvValue | null, remove: (row: EnvRow) => void): EnvRow {
  const secret = value !== null && typeof value === 'object';
  const name = h('input', { value: key, placeholder: 'NAME', spellcheck: 'false', 'aria-label': 'Variable name' });
  const val = h('input', { type: secret ? 'password' : 'text', value: secret ? value.secret : value ?? '', spellcheck: 'false', 'aria-label': 'Variable value' });
  const isSecret = h('input', { type: 'checkbox', checked: secret, 'aria-label': 'Secret' });
  isSecret.addEventListener('change', () => { val.type = isSecret.checked ? 'password' : 'text'; });
  const row: EnvRow = {
    node: h('div', { class: 'env-row' }, name, val, h('label', { class: 'inline' }, isSecret, ' secret'),
      h('button', { type: 'button', class: 'link', 'aria-label': 'Remove variable', onclick: () => remove(row) }, 'Remove')),
    read: () => (name.value.trim() === '' ? null : [name.value.trim(), isSecret.checked ? { secret: val.value } : val.value]),
  };
  return row;
}

/** `onSaved` redraws the page with this panel showing `notice`. */
export function settingsPanel(fn: FunctionInfo, latest: Version | null, onSaved: (notice: string) => void, notice?: string): HTMLElement {
  const runtime = h('select', { name: 'runtime' }, RUNTIMES.map((r) => h('option', { value: r, ...(r === fn.runtime ? { selected: true } : {}) }, r)));
  const handler = h('input', { name: 'handler', value: fn.handler, spellcheck: 'false' });
  const memory = h('input', { name: 'memory', type: 'number', min: 128, max: 10240, value: fn.memory });
  const timeout = h('input', { name: 'timeout', type: 'number', min: 1, max: 900, value: fn.timeout });
  const minWarm = h('input', { name: 'minWarm', type: 'number', min: 0, max: 100, value: fn.minWarm });
  const network = h('select', { name: 'network' }, ['outbound', 'none'].map((n) => h('option', { value: n, ...(n === fn.network ? { selected: true } : {}) }, n)));
  const allow = h('textarea', { name: 'allow', rows: 2, spellcheck: 'false', placeholder: '10.1.2.3:5432', value: fn.allow.join('\n') });
  const description = h('input', { name: 'description', value: fn.description, maxlength: 256 });
  const rows: EnvRow[] = [];
  const envList = h('div', { class: 'env' });
  const remove = (row: EnvRow) => { rows.splice(rows.indexOf(row), 1); row.node.remove(); };
  const addRow = (key: string, value: EnvValue | null) => { const r = envRow(key, value, remove); rows.push(r); envList.appendChild(r.node); };
  for (const [k, v] of Object.entries(fn.env)) addRow(k, v);
  const result = h('div', { 'aria-live': 'polite' }, notice ? h('p', { class: 'ok' }, notice) : null);
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save settings');
  const form = h('form', { 'aria-label': 'Settings' },
    h('div', { class: 'grid' },
      labelled('Runtime', runtime), labelled('Handler', handler), labelled('Memory (MB)', memory), labelled('Timeout (s)', timeout),
      labelled('Min warm', minWarm, 'instances kept started; applies at once'), labelled('Network', network),
      labelled('Allow', allow, 'private addresses or hosts outbound traffic may reach, one a line'), labelled('Description', description)),
    h('h3', null, 'Environment'), envList,
    h('button', { type: 'button', onclick: () => addRow('', '') }, 'Add variable'),
    h('p', { class: 'note' }, latest && latest.memory === fn.memory && latest.timeout === fn.timeout
      ? 'Saved settings apply from the next deploy; min warm applies at once.'
      : `Saved settings apply from the next deploy (version ${latest?.version ?? '–'} runs with ${latest ? `${latest.memory} MB, ${latest.timeout} s` : 'no code yet'}); min warm applies at once.`),
    result, h('div', { class: 'actions' }, save));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void withBusy(save, 'Saving…', async () => {
      try {
        const env = Object.fromEntries(rows.map((r) => r.read()).filter((e): e is [string, EnvValue] => e !== null));
        await call('PUT', fnPath(fn.name), { json: {
          runtime: runtime.value, handler: handler.value, memory: Number(memory.value), timeout: Number(timeout.value), minWarm: Number(minWarm.value),
          network: network.value, allow: allow.value.split('\n').map((s) => s.trim()).filter(Boolean), description: description.value, env,
        } });
        onSaved('Settings saved.');
      } catch (err) {
        fill(result, errorBox(err));
      }
    });
  });
  return card('Settings', form, concurrencyForm(fn));
}

function concurrencyForm(fn: FunctionInfo): HTMLElement {
  const value = h('input', { name: 'reservedConcurrency', type: 'number', min: 0, placeholder: 'none', value: fn.reservedConcurrency ?? '' });
  const result = h('div', { 'aria-live': 'polite' });
  const save = h('button', { type: 'submit' }, 'Save concurrency');
  const path = `/2017-10-31/functions/${encodeURIComponent(fn.name)}/concurrency`;
  const form = h('form', { 'aria-label': 'Reserved concurrency', class: 'inline-form' },
    labelled('Reserved concurrency', value, 'invocations at once at most, kept for this function; empty: none'), save, result);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void withBusy(save, 'Saving…', async () => {
      try {
        if (value.value === '') await call('DELETE', path);
        else await call('PUT', path, { json: { ReservedConcurrentExecutions: Number(value.value) } });
        fill(result, h('p', { class: 'ok' }, value.value === '' ? 'No reserved concurrency.' : `Reserved concurrency: ${value.value}.`));
      } catch (err) {
        fill(result, errorBox(err));
      }
    });
  });
  return form;
}

