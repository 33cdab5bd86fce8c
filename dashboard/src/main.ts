// The dashboard: a page per hash route (#/functions, #/new, #/functions/<name>,
// #/system, #/signin), drawn into #app by plain functions. Without a key, or once the
// API refuses it (401), the sign-in page shows, with the API's message.
import './style.css';
import { ApiError, onUnauthorized, session } from './api.js';
import { fill, h } from './dom.js';
import { functionListPage } from './pages/function-list.js';
import { functionPage } from './pages/function-page.js';
import { newFunctionPage } from './pages/new-function.js';
import type { PageContext } from './page.js';
import { signInPage } from './pages/sign-in.js';
import { systemPage } from './pages/system.js';

const root = document.getElementById('app')!;
let leaving: AbortController | null = null;
/** the refusal that sent the user back to sign in, shown there once */
let signInReason: ApiError | null = null;

function go(path: string): void {
  if (location.hash === `#${path}`) render();
  else location.hash = path;
}

onUnauthorized((error) => {
  session.signOut();
  signInReason = error;
  go('/signin');
});

function nav(active: string): HTMLElement {
  const link = (path: string, text: string) => h('a', { href: `#${path}`, ...(active === path ? { 'aria-current': 'page' } : {}) }, text);
  return h('header', { class: 'top' },
    h('a', { class: 'brand', href: '#/functions' }, 'Skyscale'),
    h('nav', { 'aria-label': 'Main' }, link('/functions', 'Functions'), link('/system', 'System')),
    h('button', { class: 'link', type: 'button', onclick: () => { session.signOut(); go('/signin'); } }, 'Sign out'));
}

function render(): void {
  leaving?.abort();
  leaving = new AbortController();
  const ctx: PageContext = { signal: leaving.signal, go };
  const path = decodeURIComponent(location.hash.replace(/^#/, '')) || '/functions';
  if (path === '/signin' || !session.key) {
    const reason = signInReason;
    signInReason = null;
    document.title = 'Sign in · Skyscale';
    fill(root, signInPage(ctx, reason));
    return;
  }
  let active = '/functions', page: HTMLElement, title: string;
  const fn = /^\/functions\/(.+)$/.exec(path);
  if (fn) [page, title] = [functionPage(ctx, fn[1]!), fn[1]!];
  else if (path === '/new') [page, title] = [newFunctionPage(ctx), 'New function'];
  else if (path === '/system') [active, page, title] = ['/system', systemPage(ctx), 'System'];
  else [page, title] = [functionListPage(ctx), 'Functions'];
  document.title = `${title} · Skyscale`;
  fill(root, nav(active), h('main', null, page));
}

window.addEventListener('hashchange', render);
render();
