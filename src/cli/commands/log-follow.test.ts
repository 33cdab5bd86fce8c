// skyscale logs --follow against a scripted server: lines print as they arrive, a
// dropped connection is opened again, and what finished meanwhile is printed from the
// pages without printing again what was already shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../api-client.js';
import type { CommandContext } from '../command.js';
import { eventually } from '../../../test/fakes/eventually.js';
import { followLive, type FollowedEntry } from './log-follow.js';

const sse = (res: ServerResponse, event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

test('lines print as they arrive; after a dropped connection the rest comes once, from the pages, and the stream goes on', async () => {
  let connections = 0;
  const finished: FollowedEntry[] = [];
  const server = createServer((req, res) => {
    assert.equal(req.headers.authorization, 'Bearer k.secret');
    connections++;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    sse(res, 'ready', { function: 'f' });
    if (connections === 1) {
      sse(res, 'log', { id: 'a', text: 'one\ntw' });
      // a finishes while the client is away; the connection breaks
      setTimeout(() => {
        finished.unshift({ id: 'a', version: 1, status: 'success', startedAt: 't', durationMs: 3, cold: false, log: 'one\ntwo\n' });
        res.destroy();
      }, 50);
    } else if (connections === 2) {
      setTimeout(() => {
        sse(res, 'log', { id: 'b', text: 'b1\n' });
        sse(res, 'end', { id: 'b', status: 'error', durationMs: 1.5, logTruncated: false });
      }, 50);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const out: string[] = [];
  const errs: string[] = [];
  const client = new ApiClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'k.secret' });
  const ctx = { env: {}, json: false, out: (t: string) => out.push(t), err: (t: string) => errs.push(t), client: () => client, readStdin: async () => Buffer.alloc(0) } as CommandContext;
  const stop = new AbortController();
  const seen = new Set<string>();
  const done = followLive(ctx, 'f', seen, {
    finishedSince: async (known) => { const r: FollowedEntry[] = []; for (const e of finished) { if (known(e.id)) break; r.push(e); } return r; },
    printEntry: (e) => { seen.add(e.id); out.push(`whole ${e.id}`); },
    stop: stop.signal, maxPauseMs: 100,
  });
  try {
    await eventually(async () => out.includes('── b error 1.50 ms'), 'b ended', 10_000);
    const lines = out.filter((l) => !/^── .* running$/.test(l));
    assert.deepEqual(lines, ['one', 'two', '── a success 3.00 ms', 'b1', '── b error 1.50 ms']);
    assert.equal(out.filter((l) => /running$/.test(l)).length, 2, 'a header for a and for b');
    assert.equal(connections, 2);
    assert.match(errs.join('\n'), /reconnecting/);
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  } finally {
    stop.abort();
    await done;
    server.closeAllConnections();
    server.close();
  }
});
