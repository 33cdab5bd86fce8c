// skyscale logs --follow: the function's live log stream (GET
// /v1/functions/{name}/logs/stream), lines printed as they arrive. A dropped connection
// is opened again (after a pause that grows to 5 s); what finished meanwhile is read
// from the logs pages, and what was printed already is never printed again: a whole
// invocation is known by its id, a partly printed one by how much of its log was shown.
import type { CommandContext } from '../command.js';
import { readEvents } from '../event-stream.js';

export interface FollowedEntry { id: string; version: number; status: string; startedAt: string; durationMs: number | null; cold: boolean; log: string }

interface Live { shown: number; line: string }

export interface FollowOptions {
  /** invocations that finished (newest first), back to the first one `known` says was printed */
  finishedSince(known: (id: string) => boolean): Promise<FollowedEntry[]>;
  /** prints a finished invocation whole (the history's format) */
  printEntry(e: FollowedEntry): void;
  stop: AbortSignal;
  /** the longest pause between reconnects */
  maxPauseMs?: number;
}

export async function followLive(ctx: CommandContext, name: string, seen: Set<string>, o: FollowOptions): Promise<void> {
  const live = new Map<string, Live>();
  const maxPause = o.maxPauseMs ?? 5000;
  let pause = 250;
  const flushLine = (l: Live) => {
    if (l.line && !ctx.json) ctx.out(l.line);
    l.line = '';
  };
  // invocations partly printed before the connection dropped: the new stream does not
  // carry them, so their rest comes from the pages, looked at every 2 s until they end
  let orphans = new Set<string>();
  let orphanTimer: NodeJS.Timeout | null = null;
  const watchOrphans = () => {
    orphans = new Set([...orphans].filter((id) => live.has(id)));
    if (orphans.size === 0 && orphanTimer) { clearInterval(orphanTimer); orphanTimer = null; }
    if (orphans.size > 0 && !orphanTimer) orphanTimer = setInterval(() => void catchUp().then(watchOrphans, () => {}), 2000);
  };
  /** finished invocations not printed yet, or the rest of one printed in part */
  const catchUp = async () => {
    const done = (await o.finishedSince((id) => seen.has(id))).reverse();
    for (const e of done) {
      const l = live.get(e.id);
      if (l) {
        const rest = e.log.slice(l.shown);
        if (ctx.json) ctx.out(JSON.stringify({ event: 'log', id: e.id, text: rest }));
        else {
          if (rest) ctx.out((l.line + rest).replace(/\n$/, ''));
          ctx.out(`── ${e.id} ${e.status}${e.durationMs === null ? '' : ` ${e.durationMs.toFixed(2)} ms`}`);
        }
        live.delete(e.id);
        seen.add(e.id);
      } else if (!seen.has(e.id)) {
        seen.add(e.id);
        o.printEntry(e);
      }
    }
  };
  while (!o.stop.aborted) {
    try {
      const res = await ctx.client().stream(`/v1/functions/${encodeURIComponent(name)}/logs/stream`, o.stop);
      for await (const ev of readEvents(res.body as AsyncIterable<Uint8Array>)) {
        const id = typeof ev.data.id === 'string' ? ev.data.id : '';
        if (ev.event === 'ready') {
          pause = 250;
          // what finished while not connected (or since the history was read)
          await catchUp();
          watchOrphans();
          continue;
        }
        if (ev.event === 'dropped') {
          ctx.err(`the server dropped this stream: ${String(ev.data.message ?? '')}; reconnecting`);
          continue;
        }
        if (!id || seen.has(id)) continue;
        let l = live.get(id);
        if (!l) {
          live.set(id, (l = { shown: 0, line: '' }));
          if (!ctx.json) ctx.out(`── ${new Date().toISOString()} ${id} running`);
        }
        if (ctx.json) {
          ctx.out(JSON.stringify({ event: ev.event, ...ev.data }));
          if (ev.event === 'log') l.shown += String(ev.data.text ?? '').length;
          if (ev.event === 'end') { live.delete(id); seen.add(id); }
          continue;
        }
        if (ev.event === 'log') {
          const text = String(ev.data.text ?? '');
          l.shown += text.length;
          const lines = (l.line + text).split('\n');
          l.line = lines.pop() ?? '';
          for (const line of lines) ctx.out(line);
        } else if (ev.event === 'cut') {
          ctx.out(`[skyscale] ${String(ev.data.message ?? 'the log reached its size limit')}`);
        } else if (ev.event === 'end') {
          flushLine(l);
          const ms = typeof ev.data.durationMs === 'number' ? ` ${ev.data.durationMs.toFixed(2)} ms` : '';
          ctx.out(`── ${id} ${String(ev.data.status)}${ms}`);
          live.delete(id);
          seen.add(id);
        }
      }
    } catch (err) {
      if (o.stop.aborted) break;
      ctx.err(`the log stream broke (${(err as Error).message}); reconnecting`);
    }
    if (o.stop.aborted) break;
    orphans = new Set(live.keys());
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(maxPause, pause * 2);
  }
  if (orphanTimer) clearInterval(orphanTimer);
}
