// GET /v1/functions/{name}/logs reads a function's logs in pages, newest first: at most
// `limit` invocations and 4 MB a page, continued by `nextCursor` or started `before` a
// time; the CLI walks the pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LOG_LIMIT_BYTES, LOG_PAGE_MAX_BYTES } from '../../model/limits.js';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { runCliAt } from '../../../test/fakes/cli.js';

interface Page { invocations: { id: string; startedAt: string; log: string }[]; nextCursor: string | null }

let t: TestApp;
const small: string[] = []; // request ids, oldest first
const large: string[] = [];
before(async () => {
  t = await startTestApp();
  await t.deploy('pages');
  await t.deploy('big');
  t.driver.handler = ({ functionName, requestId }) => ({ log: functionName === 'big' ? `${requestId} `.padEnd(LOG_LIMIT_BYTES - 16, 'z') : `hello from ${requestId}\n` });
  for (let i = 0; i < 30; i++) small.push((await t.request('POST', '/v1/functions/pages/invocations', {})).headers['x-skyscale-request-id'] as string);
  for (let i = 0; i < 40; i++) large.push((await t.request('POST', '/v1/functions/big/invocations', {})).headers['x-skyscale-request-id'] as string);
});
after(async () => { await t?.close(); });

async function page(url: string): Promise<Page> {
  const res = await t.request('GET', url);
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Page;
}

async function walk(name: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const p: Page = await page(`/v1/functions/${name}/logs?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    ids.push(...p.invocations.map((i) => i.id));
    cursor = p.nextCursor;
    pages++;
  } while (cursor);
  return { ids, pages };
}

test('pages of `limit` invocations, newest first, continued by nextCursor until it is null; queued records are in them', async () => {
  const first = await page('/v1/functions/pages/logs?limit=7');
  assert.deepEqual(first.invocations.map((i) => i.id), small.slice(-7).reverse());
  assert.match(first.invocations[0]!.log, /^hello from /);
  assert.equal(typeof first.nextCursor, 'string');
  const all = await walk('pages', 7);
  assert.deepEqual(all.ids, [...small].reverse(), 'every invocation once, in order');
  assert.equal(all.pages, 5);
  assert.equal((await page('/v1/functions/pages/logs?limit=30')).nextCursor, null, 'a page holding the last invocation has no cursor');
  assert.notEqual((await page('/v1/functions/pages/logs?limit=29')).nextCursor, null);
  assert.equal((await page('/v1/functions/pages/logs')).invocations.length, 20, 'limit 20 by default');

  // a record still queued (not written yet) is in the first page
  const fresh = (await t.request('POST', '/v1/functions/pages/invocations', {})).headers['x-skyscale-request-id'] as string;
  assert.equal((await page('/v1/functions/pages/logs?limit=1')).invocations[0]!.id, fresh);
  small.push(fresh);
});

test('before starts a page with the invocations that started before a time', async () => {
  const newestFirst = (await page('/v1/functions/pages/logs?limit=1000')).invocations;
  const pivot = newestFirst[10]!;
  const older = await page(`/v1/functions/pages/logs?limit=1000&before=${encodeURIComponent(pivot.startedAt)}`);
  assert.ok(older.invocations.length > 0);
  assert.ok(older.invocations.every((i) => i.startedAt < pivot.startedAt));
  assert.deepEqual(older.invocations.map((i) => i.id), newestFirst.filter((i) => i.startedAt < pivot.startedAt).map((i) => i.id));
  assert.deepEqual((await page('/v1/functions/pages/logs?before=2000-01-01T00:00:00Z')).invocations, []);
});

test('a page holds at most 4 MB: big logs make shorter pages, all reached by their cursors', async () => {
  const res = await t.request('GET', '/v1/functions/big/logs?limit=1000');
  assert.ok(res.rawPayload.length <= LOG_PAGE_MAX_BYTES, `${res.rawPayload.length} bytes`);
  const first = res.json() as Page;
  assert.ok(first.invocations.length >= 10 && first.invocations.length < 40, `${first.invocations.length} in the first page`);
  assert.notEqual(first.nextCursor, null);
  const all = await walk('big', 1000);
  assert.deepEqual(all.ids, [...large].reverse());
  assert.ok(all.pages >= 3);
});

test('a wrong limit, cursor or before, or cursor with before, is a 400 ValidationError; an unknown function 404', async () => {
  for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'cursor=bm90IG91cnM', 'cursor=%%%', 'before=yesterday', `before=2026-01-01T00:00:00Z&cursor=x`]) {
    const res = await t.request('GET', `/v1/functions/pages/logs?${query}`);
    assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
    assert.equal(res.json().error.type, 'ValidationError', query);
  }
  assert.equal((await t.request('GET', '/v1/functions/nothing/logs')).statusCode, 404);
});

test('skyscale logs reads page after page: --limit over a page, oldest first; --json newest first', async () => {
  const endpoint = await t.app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const json = await runCliAt(endpoint, ['logs', '--name', 'big', '--limit', '35', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual((JSON.parse(json.stdout) as { id: string }[]).map((i) => i.id), large.slice(-35).reverse());
    const human = await runCliAt(endpoint, ['logs', '--name', 'pages', '--limit', '3']);
    assert.equal(human.code, 0, human.stderr);
    const headers = human.stdout.split('\n').filter((l) => l.startsWith('── '));
    assert.deepEqual(headers.map((l) => l.split(' ')[2]), small.slice(-3), 'the newest three, oldest first');
    const bad = await runCliAt(endpoint, ['logs', '--name', 'pages', '--limit', '0']);
    assert.equal(bad.code, 1);
  } finally {
    await t.app.server.close();
  }
});

test('a few pages stream at once; the next reader waits for a slot, which passes on when a page ends or its reader leaves', async () => {
  const { PageGate } = await import('./log-pages.js');
  const gate = new PageGate(2);
  const a = await gate.enter();
  const b = await gate.enter();
  let third = false;
  const c = gate.enter().then((release) => { third = true; return release; });
  await new Promise((r) => setImmediate(r));
  assert.equal(third, false, 'two at once');
  a();
  a();
  const releaseC = await c;
  assert.equal(third, true, 'the slot passed on');
  let fourth = false;
  const d = gate.enter().then((release) => { fourth = true; return release; });
  await new Promise((r) => setImmediate(r));
  assert.equal(fourth, false, 'releasing twice freed one slot only');
  b();
  (await d)();
  releaseC();
  // all free again: two enter at once
  const [x, y] = await Promise.all([gate.enter(), gate.enter()]);
  x();
  y();
});
