// Create a function and deploy its first code in one request: the package (written in
// the page, or uploaded) with its settings in the Skyscale-Settings header, which
// creates the function (POST /v1/functions/{name}/versions).
import { call, fnPath, settingsHeader } from '../api.js';
import { codeSource, handlerFile } from '../code-source.js';
import { fill, h } from '../dom.js';
import type { PageContext } from '../page.js';
import { DEFAULT_RUNTIME, RUNTIMES } from '../types.js';
import { card, errorBox, labelled, withBusy } from '../widgets.js';

export function newFunctionPage(ctx: PageContext): HTMLElement {
  const name = h('input', { name: 'name', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', autocomplete: 'off', spellcheck: 'false', placeholder: 'hello' });
  const runtime = h('select', { name: 'runtime' }, RUNTIMES.map((r) => h('option', { value: r, ...(r === DEFAULT_RUNTIME ? { selected: true } : {}) }, r)));
  const handler = h('input', { name: 'handler', value: 'handler.handler', required: true, spellcheck: 'false' });
  const memory = h('input', { name: 'memory', type: 'number', min: 128, max: 10240, step: 1, value: 128 });
  const timeout = h('input', { name: 'timeout', type: 'number', min: 1, max: 900, step: 1, value: 3 });
  const code = codeSource();
  const fileNote = h('small', { class: 'note' }, `the handler's file: ${handlerFile(handler.value)}`);
  handler.addEventListener('input', () => { fileNote.textContent = `the handler's file: ${handlerFile(handler.value)}`; });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create and deploy');
  const form = h('form', { class: 'page', 'aria-label': 'New function' },
    h('div', { class: 'page-head' }, h('h1', null, 'New function')),
    card('Settings', h('div', { class: 'grid' },
      labelled('Name', name), labelled('Runtime', runtime), h('div', null, labelled('Handler', handler), fileNote),
      labelled('Memory (MB)', memory), labelled('Timeout (s)', timeout))),
    card('Code', code.node),
    h('div', { class: 'actions' }, submit, h('a', { class: 'button', href: '#/functions' }, 'Cancel')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    fill(code.errors);
    void withBusy(submit, 'Deploying…', async () => {
      try {
        const pkg = await code.package(handler.value);
        const settings = { runtime: runtime.value, handler: handler.value, memory: Number(memory.value), timeout: Number(timeout.value) };
        await call('POST', `${fnPath(name.value)}/versions`, { body: pkg.body, headers: { 'content-type': pkg.type, 'skyscale-settings': settingsHeader(settings) } });
        ctx.go(`/functions/${name.value}`);
      } catch (err) {
        fill(code.errors, errorBox(err));
      }
    });
  });
  return form;
}
