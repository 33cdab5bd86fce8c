// The function's log live (GET /v1/functions/{name}/logs/stream, read with fetch and
// the Bearer key): each invocation's lines as it prints them, then how it ended. It
// follows while the page is open (Stop / Follow toggles), reconnects after a dropped
// connection, and keeps the last lines only. Everything goes in as text.
import { fnPath, openStream } from '../api.js';
import { fill, h } from '../dom.js';
import { ms } from '../format.js';
import { card, errorBox } from '../widgets.js';

const KEEP_CHARS = 100_000;
const RETRY_MS = 3000;

export function liveLogPanel(name: string, pageSignal: AbortSignal): HTMLElement {
  const out = h('pre', { class: 'output log live-log', 'aria-label': 'Live log', 'aria-live': 'polite' });
  const status = h('span', { class: 'muted live-status' }, 'Connecting…');
  const problem = h('div');
  const toggle = h('button', { type: 'button' }, 'Stop');
  let following: AbortController | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  const open = new Set<string>(); // invocations whose output has begun

  const append = (text: string) => {
    out.appendChild(document.createTextNode(text));
    while ((out.textContent?.length ?? 0) > KEEP_CHARS && out.firstChild) out.removeChild(out.firstChild);
    out.scrollTop = out.scrollHeight;
  };
  const onEvent = (event: string, data: Record<string, unknown>) => {
    const id = String(data.id ?? '');
    if (event === 'ready') {
      status.textContent = 'Following: new invocations show here as they print.';
      fill(problem);
    } else if (event === 'log') {
      if (!open.has(id)) { append(`── ${id}\n`); open.add(id); }
      append(String(data.text ?? ''));
    } else if (event === 'cut') {
      append(`\n[skyscale] ${String(data.message ?? 'the log was cut')}\n`);
    } else if (event === 'end') {
      if (!open.has(id)) append(`── ${id}\n`);
      open.delete(id);
      append(`── ${id} ${String(data.status)}${typeof data.durationMs === 'number' ? `, ${ms(data.durationMs)}` : ''}\n`);
    } else if (event === 'dropped') {
      append(`[skyscale] ${String(data.message ?? 'the server dropped this stream')}\n`);
    }
  };
  const follow = async () => {
    const ac = new AbortController();
    following = ac;
    toggle.textContent = 'Stop';
    status.textContent = 'Connecting…';
    try {
      const reader = (await openStream(`${fnPath(name)}/logs/stream`, ac.signal)).getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let end;
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) onEvent(event, JSON.parse(data) as Record<string, unknown>);
        }
      }
      if (!ac.signal.aborted) status.textContent = 'The connection ended; reconnecting…';
    } catch (err) {
      if (ac.signal.aborted) return;
      status.textContent = 'Not following.';
      fill(problem, errorBox(err));
    }
    if (!ac.signal.aborted && !pageSignal.aborted) retry = setTimeout(() => void follow(), RETRY_MS);
  };
  const stop = () => {
    following?.abort();
    following = null;
    if (retry) clearTimeout(retry);
    retry = null;
  };
  toggle.addEventListener('click', () => {
    if (following && !following.signal.aborted) {
      stop();
      toggle.textContent = 'Follow';
      status.textContent = 'Stopped.';
    } else void follow();
  });
  pageSignal.addEventListener('abort', stop);
  void follow();
  return card('Live log', h('div', { class: 'actions' }, toggle, status), problem, out);
}
