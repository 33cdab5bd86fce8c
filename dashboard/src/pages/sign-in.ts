// Sign in with an API key: tried against the API (GET /v1/functions) before it is
// kept, so a wrong key is answered here with the API's own message.
import { ApiError, call, session } from '../api.js';
import { fill, h } from '../dom.js';
import type { PageContext } from '../page.js';
import { errorBox, labelled, withBusy } from '../widgets.js';

export function signInPage(ctx: PageContext, reason: ApiError | null): HTMLElement {
  const key = h('input', { type: 'password', name: 'key', autocomplete: 'off', required: true, placeholder: '<id>.<secret>', spellcheck: 'false' });
  const errors = h('div', { 'aria-live': 'polite' }, reason ? errorBox(reason) : null);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h('form', { class: 'signin card', 'aria-label': 'Sign in' },
    h('h1', null, 'Skyscale'),
    h('p', { class: 'muted' }, 'Sign in with an API key. It is kept in this tab only and sent with each request.'),
    labelled('API key', key), errors, submit);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = key.value.trim();
    if (!/^[\x21-\x7e]+$/.test(value)) {
      fill(errors, errorBox(new ApiError('Unauthorized', 'an API key is letters, digits and punctuation, as `skyscale keys create` printed it', 0)));
      return;
    }
    void withBusy(submit, 'Signing in…', async () => {
      try {
        await call('GET', '/v1/functions', { key: value });
      } catch (err) {
        // 403: the key is good but may not list functions (an invoker key); it may still do what its role allows
        if (!(err instanceof ApiError && err.status === 403)) {
          fill(errors, errorBox(err));
          return;
        }
      }
      session.signIn(value);
      ctx.go('/functions');
    });
  });
  return h('div', { class: 'signin-wrap' }, form);
}
