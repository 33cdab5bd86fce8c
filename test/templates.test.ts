// Every template for every language, as a user gets it: `skyscale init --template T
// --runtime R` then `skyscale test` with the template's own payload (event.json), run
// by the local runner on the agent and the runtime the sandboxes use (Node.js: the
// sandbox image's own node). A few other payloads check each template does its job.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { TEMPLATES } from '../src/cli/templates.js';
import { runCliAt } from './fakes/cli.js';

const work = mkdtempSync(join(tmpdir(), 'skyscale-templates-'));
after(() => rmSync(work, { recursive: true, force: true }));
const env = { SKYSCALE_ROOTFS: loadConfig(process.env).rootfs };

async function scaffold(template: string, runtime: string): Promise<string> {
  const name = `${template.replace('-', '_')}_${runtime.replace(/[^a-z0-9]/g, '')}`;
  const dir = join(work, name);
  const r = await runCliAt('http://127.0.0.1:1', ['init', '--name', name, '--template', template, '--runtime', runtime, '--dir', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`from the ${template} template`));
  assert.ok(existsSync(join(dir, 'event.json')), 'the template brings its test payload');
  assert.equal(JSON.parse(readFileSync(join(dir, 'skyscale.json'), 'utf8')).runtime, runtime);
  return dir;
}

async function run(dir: string, payload?: unknown): Promise<any> {
  const args = payload === undefined ? ['--payload-file', join(dir, 'event.json')] : ['--payload', JSON.stringify(payload)];
  const r = await runCliAt('http://127.0.0.1:1', ['test', '--name', dir.split('/').pop()!, '--dir', dir, ...args], env);
  assert.equal(r.code, 0, `${dir}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const httpEvent = (method: string, path: string, query?: Record<string, string>) => ({
  version: '2.0', rawPath: path, rawQueryString: '', headers: {}, ...(query ? { queryStringParameters: query } : {}),
  requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' } }, isBase64Encoded: false,
});

test('skyscale templates lists the four', async () => {
  const r = await runCliAt('http://127.0.0.1:1', ['templates']);
  assert.equal(r.code, 0, r.stderr);
  for (const t of ['hello', 'http-api', 'file-processing', 'scheduled']) assert.match(r.stdout, new RegExp(`^${t}\\s`, 'm'));
  assert.deepEqual(TEMPLATES.map((t) => t.name), ['hello', 'http-api', 'file-processing', 'scheduled']);
  const unknown = await runCliAt('http://127.0.0.1:1', ['init', '--name', 'x', '--template', 'nope', '--dir', join(work, 'x')]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /there is no template "nope"; there are hello, http-api, file-processing, scheduled/);
});

for (const runtime of ['python3.11', 'nodejs22.x']) {
  test(`${runtime}: every template runs through skyscale test with its payload`, async () => {
    const hello = await scaffold('hello', runtime);
    assert.deepEqual(await run(hello), { message: 'Hello, Ada!' });

    const api = await scaffold('http-api', runtime);
    const echoed = await run(api);
    assert.equal(echoed.statusCode, 200);
    assert.equal(echoed.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(echoed.body), { youSent: { item: 'tea', qty: 2 } });
    assert.deepEqual(JSON.parse((await run(api, httpEvent('GET', '/hello', { name: 'Grace' }))).body), { message: 'Hello, Grace!' });
    assert.equal((await run(api, httpEvent('GET', '/nope'))).statusCode, 404);
    const refused = await run(api, httpEvent('DELETE', '/echo'));
    assert.deepEqual([refused.statusCode, refused.headers.allow], [405, 'POST']);

    const files = await scaffold('file-processing', runtime);
    const csv = await run(files);
    assert.equal(csv.rows, 3);
    assert.deepEqual(csv.columns, ['item', 'qty', 'price']);
    assert.deepEqual(csv.numeric, { qty: { sum: 9, min: 1, max: 6 }, price: { sum: 8.75, min: 1.25, max: 4 } });
    const json = await run(files, { format: 'json', content: [{ city: 'Oslo', temp: -3 }, { city: 'Lima', temp: 19, rain: 0 }] });
    assert.deepEqual([json.rows, json.columns, json.numeric], [2, ['city', 'temp', 'rain'], { temp: { sum: 16, min: -3, max: 19 } }]);

    const scheduled = await scaffold('scheduled', runtime);
    assert.deepEqual(await run(scheduled), {
      rule: 'nightly-report', firedAt: runtime.startsWith('python') ? '2026-12-02T03:00:00+00:00' : '2026-12-02T03:00:00.000Z', weekday: 'Wednesday',
      result: { coversDay: '2026-12-02', hourUtc: 3 },
    });
  });
}
