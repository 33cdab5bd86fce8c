// Invoke the function with a payload written in the page, and see what came back: the
// result, the status, duration, how it started (warm instance, pre-warmed pool sandbox,
// or booted) and the tail of its log. Output is shown as text, whatever it holds.
import { call, fnPath } from '../api.js';
import { fill, h } from '../dom.js';
import { ms } from '../format.js';
import type { Alias, Version } from '../types.js';
import { card, errorBox, labelled, statusBadge, withBusy } from '../widgets.js';

export interface InvokePanel {
  node: HTMLElement;
  /** the versions and aliases to offer */
  update(versions: Version[], aliases: Alias[]): void;
}

/** The log tail the API sends base64-encoded in x-skyscale-log-result. */
function decodeLog(base64: string | null): string {
  if (!base64) return '';
  const raw = atob(base64);
  return new TextDecoder().decode(Uint8Array.from(raw, (c) => c.charCodeAt(0)));
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function invokePanel(name: string, afterInvoke: () => void): InvokePanel {
  const target = h('select', { name: 'version', 'aria-label': 'Version' });
  const payload = h('textarea', { class: 'code', rows: 5, spellcheck: 'false', value: '{\n  "name": "world"\n}' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Invoke');
  const output = h('div', { class: 'invoke-output', 'aria-live': 'polite' });
  const form = h('form', { 'aria-label': 'Invoke' }, h('div', { class: 'row' }, labelled('Version', target)), labelled('Payload (JSON)', payload), h('div', { class: 'actions' }, button));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void withBusy(button, 'Invoking…', async () => {
      try {
        const query = target.value ? `?version=${encodeURIComponent(target.value)}` : '';
        const res = await call('POST', `${fnPath(name)}/invocations${query}`, {
          body: payload.value, headers: { 'content-type': 'application/json', 'x-skyscale-log-type': 'Tail' },
        });
        const hd = (n: string) => res.headers.get(n);
        const status = hd('x-skyscale-status') ?? 'success';
        const start = hd('x-skyscale-start');
        const cold = hd('x-skyscale-cold-start') === 'true';
        fill(output,
          h('dl', { class: 'facts' },
            h('dt', null, 'Status'), h('dd', null, statusBadge(status), hd('x-skyscale-function-error') ? ' (the handler failed)' : null),
            h('dt', null, 'Duration'), h('dd', { 'data-fact': 'duration' }, ms(Number(hd('x-skyscale-duration-ms')))),
            h('dt', null, 'Start'), h('dd', { 'data-fact': 'start' }, `${cold ? 'cold' : 'warm'}${start ? ` (${start})` : ''}`),
            hd('x-skyscale-init-ms') ? [h('dt', null, 'Init'), h('dd', null, ms(Number(hd('x-skyscale-init-ms'))))] : null,
            h('dt', null, 'Version'), h('dd', null, hd('x-skyscale-executed-version') ?? '–'),
            h('dt', null, 'Request id'), h('dd', { class: 'mono' }, hd('x-skyscale-request-id') ?? '–')),
          h('h3', null, 'Result'), h('pre', { class: 'output', 'aria-label': 'Result' }, pretty(res.text)),
          h('h3', null, 'Log'), h('pre', { class: 'output log', 'aria-label': 'Log' }, decodeLog(hd('x-skyscale-log-result')) || '(nothing printed)'));
        afterInvoke();
      } catch (err) {
        fill(output, errorBox(err));
      }
    });
  });
  return {
    node: card('Invoke', form, output),
    update(versions, aliases) {
      const current = target.value;
      fill(target, h('option', { value: '' }, '$LATEST'),
        aliases.map((a) => h('option', { value: a.name }, `${a.name} → ${a.version}`)),
        versions.map((v) => h('option', { value: String(v.version) }, `version ${v.version}`)));
      target.value = [...target.options].some((o) => o.value === current) ? current : '';
    },
  };
}
