// Where a deploy's code comes from: a single-file handler written in the page (packed
// into a tar here) or a package the user uploads (zip, tar or tar.gz, sent as it is).
// The API checks the package; its refusal is shown beside this control.
import { h } from './dom.js';
import { tarOneFile } from './tar.js';
import { labelled } from './widgets.js';

export const SAMPLE_HANDLER = `def handler(event, context):
    name = event.get("name", "world")
    print(f"greeting {name}")
    return {"message": f"Hello, {name}!"}
`;

export interface CodeSource {
  node: HTMLElement;
  /** the package to send, and its content type; throws when there is nothing to send */
  package(handler: string): Promise<{ body: Blob; type: string }>;
  /** where a refusal of the package is shown */
  errors: HTMLElement;
}

/** The file the handler setting names: "app.main" → app.py. */
export function handlerFile(handler: string): string {
  const module = handler.includes('.') ? handler.slice(0, handler.lastIndexOf('.')) : handler;
  return `${module.replace(/\./g, '/')}.py`;
}

export function codeSource(initial = SAMPLE_HANDLER): CodeSource {
  const editor = h('textarea', { class: 'code', rows: 14, wrap: 'off', spellcheck: 'false', autocapitalize: 'off', 'aria-label': 'Handler code', value: initial });
  const upload = h('input', { type: 'file', accept: '.zip,.tar,.tgz,.tar.gz,application/zip,application/gzip,application/x-tar', 'aria-label': 'Code package' });
  const write = h('input', { type: 'radio', name: `source-${Math.random().toString(36).slice(2)}`, checked: true });
  const file = h('input', { type: 'radio', name: write.name });
  const fileName = h('span', { class: 'muted' });
  const errors = h('div', { class: 'package-errors', 'aria-live': 'polite' });
  const writePane = h('div', null, editor);
  const uploadPane = h('div', { hidden: true }, labelled('Package (zip, tar or tar.gz)', upload));
  const show = () => {
    writePane.hidden = !write.checked;
    uploadPane.hidden = !file.checked;
    fileName.textContent = '';
  };
  write.addEventListener('change', show);
  file.addEventListener('change', show);
  const node = h('div', { class: 'code-source' },
    h('div', { class: 'choice', role: 'radiogroup', 'aria-label': 'Code' },
      h('label', null, write, ' Write a handler'), h('label', null, file, ' Upload a package')),
    writePane, uploadPane, fileName, errors);
  return {
    node,
    errors,
    async package(handler) {
      if (file.checked) {
        const chosen = upload.files?.[0];
        if (!chosen) throw new Error('choose a package file to upload');
        return { body: chosen, type: chosen.type || 'application/octet-stream' };
      }
      return { body: new Blob([tarOneFile(handlerFile(handler), editor.value)]), type: 'application/x-tar' };
    },
  };
}
