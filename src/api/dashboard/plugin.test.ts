// The dashboard's files through inject(): / and /assets/* without a key, with their
// content types, cache headers and the Content-Security-Policy; a missing file or an
// unbuilt dashboard is a 404 in the native shape; the API beside it is unchanged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { CONTENT_SECURITY_POLICY } from './plugin.js';

const INDEX = '<!doctype html><title>Skyscale</title><script type="module" src="/assets/index-abc123.js"></script>';
let dir: string;
let t: TestApp;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skyscale-dashboard-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  writeFileSync(join(dir, 'assets', 'index-def456.css'), 'body{}');
  t = await startTestApp({}, { dashboardDir: dir });
});
after(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET / is the page, without a key, revalidated on each load, under a strict Content-Security-Policy', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, INDEX);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'no-cache');
  const csp = res.headers['content-security-policy'] as string;
  assert.equal(csp, CONTENT_SECURITY_POLICY);
  for (const directive of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) assert.ok(csp.split('; ').includes(directive), directive);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['set-cookie'], undefined);
});

test('hashed assets are served with their content type and cached for a year', async () => {
  const js = await t.app.inject({ method: 'GET', url: '/assets/index-abc123.js' });
  assert.equal(js.statusCode, 200);
  assert.equal(js.body, 'console.log(1)');
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(js.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  const css = await t.app.inject({ method: 'GET', url: '/assets/index-def456.css' });
  assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  const head = await t.app.inject({ method: 'HEAD', url: '/' });
  assert.equal(head.statusCode, 200);
});

test('a file that is not there is 404 RouteNotFound in the native shape; nothing outside assets/ is reachable', async () => {
  for (const url of ['/assets/nope.js', '/assets/..%2Findex.html', '/assets/%2E%2E%2F..%2Fetc%2Fpasswd', '/index.html', '/favicon.ico']) {
    const res = await t.app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    assert.equal(res.json().error.type, 'RouteNotFound', url);
    assert.equal(res.headers['x-skyscale-error-type'], 'RouteNotFound', url);
  }
  const post = await t.app.inject({ method: 'POST', url: '/', payload: 'x' });
  assert.equal(post.statusCode, 404);
});

test('the API beside it is unchanged: /v1 still needs a key, unknown routes are still 404', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/v1/functions' });
  assert.equal(res.statusCode, 401);
  assert.equal(res.json().error.type, 'Unauthorized');
  const unknown = await t.app.inject({ method: 'GET', url: '/v2/nothing' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.type, 'RouteNotFound');
});

test('an unbuilt dashboard answers / with 404 RouteNotFound and the hint to build it', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'skyscale-dashboard-none-'));
  const bare = await startTestApp({}, { dashboardDir: empty });
  try {
    const res = await bare.app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.type, 'RouteNotFound');
    assert.match(res.json().error.hint, /npm run build/);
  } finally {
    await bare.close();
    rmSync(empty, { recursive: true, force: true });
  }
});
