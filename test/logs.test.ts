// Reading logs holds a real server's memory within bounds: with 200 invocations of
// 256 KB logs stored (50 MB), 16 clients reading every page at the largest limit at
// once keep the server's peak RSS within a bound, and other requests are answered
// meanwhile. The server is a separate process (`skyscale server`, no sandboxes needed)
// so its memory is its own; the records are written into its database beforehand.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS } from '../src/model/function-config.js';
import type { InvocationWithLog } from '../src/model/invocation.js';
import { LOG_LIMIT_BYTES } from '../src/model/limits.js';
import { repoPath } from '../src/paths.js';
import { openDatabase } from '../src/store/database.js';
import { FunctionsTable } from '../src/store/functions-table.js';
import { InvocationsTable } from '../src/store/invocations-table.js';
import { ADMIN_KEY } from './harness.js';

const MB = 1024 * 1024;
const RECORDS = 200;
const READERS = 16;
/**
 * Generous: a few pages stream at once, a few MB each, and the heap's garbage waits for
 * the collector (150-175 MB of growth measured); building the pages whole took the
 * server from 100 MB to 1.3 GB.
 */
const RSS_GROWTH_BOUND_MB = 384;

let dir: string;
let server: ChildProcess;
let url: string;

function record(i: number): InvocationWithLog {
  const at = new Date(Date.now() - (RECORDS - i) * 1000).toISOString();
  return { id: `inv-${String(i).padStart(4, '0')}`, functionName: 'chatty', version: 1, status: 'success', errorType: null, errorMessage: null, cold: false, start: 'warm',
    initMs: null, durationMs: 1, billedMs: 1, maxMemoryKb: null, cpuMs: null, requestBytes: 2, responseBytes: 2, logTruncated: false, startedAt: at, finishedAt: at,
    log: `${i} `.padEnd(LOG_LIMIT_BYTES - 32, String.fromCharCode(97 + (i % 26))) };
}

/** kB of a /proc/<pid>/status field (VmRSS now, VmHWM the peak). */
function memoryKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skyscale-logs-it-'));
  const db = openDatabase(join(dir, 'skyscale.db'));
  new FunctionsTable(db).insert('chatty', DEFAULT_SETTINGS, new Date().toISOString());
  const table = new InvocationsTable(db);
  for (let i = 0; i < RECORDS; i += 20) table.insertMany(Array.from({ length: 20 }, (_, k) => record(i + k)));
  db.close();
  server = spawn(process.execPath, [repoPath('dist/src/cli/main.js'), 'server', '--port', '0', '--sandbox', 'process', '--warm-pool-size', '0'], {
    env: { PATH: process.env.PATH, HOME: dir, SKYSCALE_DATA_DIR: dir, SKYSCALE_ADMIN_KEY: ADMIN_KEY, SKYSCALE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let err = '';
    server.stderr!.on('data', (c) => {
      err += c;
      const m = /Skyscale (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`the server exited (${code}): ${err}`)));
  });
});
after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });

/**
 * Reads every page at the largest limit, as a client that keeps up would: the body is
 * taken as it streams and only counted (a JSON parse of every page on this side would
 * compete with the server for the same two cores); the cursor is at the end.
 */
async function readAll(): Promise<{ seen: number; largestPage: number; chunked: boolean }> {
  let cursor: string | null = null;
  let seen = 0;
  let largestPage = 0;
  let chunked = true;
  do {
    const res: Response = await get(`/v1/functions/chatty/logs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(res.status, 200);
    chunked &&= res.headers.get('content-length') === null;
    let size = 0;
    let tail = '';
    for await (const chunk of res.body!) {
      // the marker is 7 characters: one cannot fit in the 6 kept from the chunk before
      const carry = tail.slice(-6);
      const text = carry + Buffer.from(chunk).toString('latin1');
      size += chunk.length;
      seen += text.split('{"id":"').length - 1;
      tail = (tail + text.slice(carry.length)).slice(-200);
    }
    largestPage = Math.max(largestPage, size);
    cursor = /"nextCursor":(null|"([^"]+)")\}$/.exec(tail)![2] ?? null;
  } while (cursor);
  return { seen, largestPage, chunked };
}

test('16 parallel readers of every page at the largest limit keep the server within a memory bound; other requests are answered meanwhile', async (ctx) => {
  const pid = server.pid!;
  assert.equal((await get('/v1/functions/chatty/logs?limit=1')).status, 200);
  const baselineKb = memoryKb(pid, 'VmRSS');

  let done = false;
  const readers = Promise.all(Array.from({ length: READERS }, () => readAll())).finally(() => { done = true; });
  let answered = 0;
  let slowestMs = 0;
  while (!done) {
    const started = performance.now();
    const [health, list] = await Promise.all([fetch(`${url}/healthz`), get('/v1/functions')]);
    assert.equal(health.status, 200);
    assert.equal(list.status, 200);
    await list.arrayBuffer();
    await health.arrayBuffer();
    slowestMs = Math.max(slowestMs, performance.now() - started);
    answered++;
  }
  const results = await readers;

  const peakKb = memoryKb(pid, 'VmHWM');
  const growthMb = (peakKb - baselineKb) / 1024;
  ctx.diagnostic(`server RSS ${(baselineKb / 1024).toFixed(0)} MB before, peak ${(peakKb / 1024).toFixed(0)} MB during ${READERS} readers of ${RECORDS} × 256 KB logs (growth ${growthMb.toFixed(0)} MB); largest page ${(results[0]!.largestPage / MB).toFixed(2)} MB; ${answered} rounds of other requests answered meanwhile, slowest ${slowestMs.toFixed(0)} ms`);
  for (const r of results) {
    assert.equal(r.seen, RECORDS, 'every reader got every invocation');
    assert.ok(r.largestPage <= 4 * MB, `a page of ${r.largestPage} bytes`);
    assert.ok(r.chunked, 'pages are streamed, not sent with a length known in advance');
  }
  assert.ok(growthMb < RSS_GROWTH_BOUND_MB, `the server grew by ${growthMb.toFixed(0)} MB`);
  assert.ok(answered >= 1, 'other requests were answered while the readers read');
});

test('readers that leave in the middle of a page give their turn back', async () => {
  const leaving = Array.from({ length: 8 }, async () => {
    const abort = new AbortController();
    const res = await fetch(`${url}/v1/functions/chatty/logs?limit=1000`, { headers: { authorization: `Bearer ${ADMIN_KEY}` }, signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await reader.read().catch(() => undefined);
  });
  await Promise.all(leaving);
  const after = await readAll();
  assert.equal(after.seen, RECORDS, 'a full read still gets its turn and every invocation');
});
