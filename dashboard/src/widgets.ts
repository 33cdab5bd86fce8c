// Pieces every page uses: the error box (the API's type and message, and its hint), a
// button that shows it is working, a labelled field, and the section card.
import { ApiError } from './api.js';
import { h, type Child } from './dom.js';

/** An error as the API gave it: its type and message (and hint), as text. */
export function errorBox(err: unknown): HTMLElement {
  const e = err instanceof ApiError ? err : new ApiError('Error', err instanceof Error ? err.message : String(err), 0);
  return h('div', { class: 'error', role: 'alert' },
    h('strong', { class: 'error-type' }, e.type), ' ', h('span', { class: 'error-message' }, e.message),
    e.hint ? h('div', { class: 'hint' }, e.hint) : null);
}

/** Runs `work` with the button disabled and labelled `busyLabel` meanwhile. */
export async function withBusy<T>(button: HTMLButtonElement, busyLabel: string, work: () => Promise<T>): Promise<T> {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = busyLabel;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

/** A label around its control, with an optional note under it. */
export function labelled(text: string, control: HTMLElement, note?: string): HTMLElement {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, text), control, note ? h('small', { class: 'note' }, note) : null);
}

export function card(title: string, ...children: Child[]): HTMLElement {
  return h('section', { class: 'card', 'aria-label': title }, h('h2', null, title), ...children);
}

export function loading(): HTMLElement {
  return h('p', { class: 'muted' }, 'Loading…');
}

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status}` }, status);
}
