// Deploys through inject(): code and settings in one request (POST …/versions with the
// Skyscale-Settings header) become one snapshot; deploys and settings changes of one
// function queue behind each other, so no version mixes one deploy's code with
// another's settings and no change is lost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizePackage } from '../../registry/code-package.js';
import { CodeStore } from '../../registry/code-store.js';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { zipFiles } from '../../../test/fakes/zip.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t?.close(); });

interface VersionView { version: number; codeSha256: string; env: Record<string, string>; memory: number; handler: string }

const deploy = (name: string, zip: Buffer, settings?: unknown, headers: Record<string, string> = {}) => t.request('POST', `/v1/functions/${name}/versions`, zip, {
  'content-type': 'application/zip', ...(settings !== undefined ? { 'skyscale-settings': typeof settings === 'string' ? settings : JSON.stringify(settings) } : {}), ...headers,
});

const codeFor = (mark: string) => ({ 'handler.py': `MARK = ${JSON.stringify(mark)}\ndef handler(e, c):\n    return MARK\n` });

/** The sha256 the platform gives the package of `codeFor(mark)`. */
async function shaOf(mark: string): Promise<string> {
  return CodeStore.digest((await canonicalizePackage(await zipFiles(codeFor(mark)), 'handler.handler')).tar);
}

test('one request carries the package and the settings, creating the function; the upload-only form keeps the settings it has', async () => {
  const res = await deploy('onestep', await zipFiles(codeFor('a')), { memory: 256, env: { MARK: 'a' }, description: 'first', minWarm: 0 });
  assert.equal(res.statusCode, 201, res.body);
  const v = res.json().version as VersionView;
  assert.deepEqual([v.version, v.memory, v.env, v.codeSha256], [1, 256, { MARK: 'a' }, await shaOf('a')]);
  const fn = (await t.request('GET', '/v1/functions/onestep')).json();
  assert.deepEqual([fn.function.memory, fn.function.env, fn.function.description, fn.latest.version], [256, { MARK: 'a' }, 'first', 1]);

  const again = await deploy('onestep', await zipFiles(codeFor('b')), { env: { MARK: 'b' } });
  assert.deepEqual([again.json().version.memory, again.json().version.env], [256, { MARK: 'b' }], 'fields left out keep their value');

  const plain = await deploy('onestep', await zipFiles(codeFor('c')));
  assert.equal(plain.statusCode, 201);
  assert.deepEqual([plain.json().version.version, plain.json().version.env], [3, { MARK: 'b' }]);

  const missing = await deploy('never-created', await zipFiles(codeFor('x')));
  assert.equal(missing.statusCode, 404, 'without settings the function must exist');
});

test('settings a deploy carries are checked before anything is stored', async () => {
  const zip = await zipFiles(codeFor('a'));
  const wrongType = await deploy('checked', zip, { memory: '256', timeout: 'x' });
  assert.equal(wrongType.statusCode, 400);
  assert.equal(wrongType.json().error.type, 'ValidationError');
  assert.match(wrongType.json().error.message, /Skyscale-Settings header: memory must be an integer; timeout must be an integer/);
  const outOfRange = await deploy('checked', zip, { memory: 1 });
  assert.equal(outOfRange.json().error.type, 'InvalidFunctionConfig');
  const notJson = await deploy('checked', zip, '{memory: 256');
  assert.equal(notJson.json().error.type, 'InvalidJSON');
  const notObject = await deploy('checked', zip, '[1]');
  assert.equal(notObject.json().error.type, 'ValidationError');
  const otherName = await deploy('checked', zip, { name: 'other' });
  assert.match(otherName.json().error.message, /names "other" but the path names "checked"/);
  const badWarm = await deploy('checked', zip, { minWarm: 1000 });
  assert.equal(badWarm.json().error.type, 'InvalidFunctionConfig');
  const noHandler = await deploy('checked', zip, { handler: 'other.handler' });
  assert.equal(noHandler.json().error.type, 'InvalidCodePackage', 'the package is checked against the handler sent with it');
  assert.equal((await t.request('GET', '/v1/functions/checked')).statusCode, 404, 'nothing was created');
});

test('a UTF-8 header (as curl sends it) and \\u escapes (as the CLI sends them) give the same text', async () => {
  const zip = await zipFiles(codeFor('a'));
  const raw = Buffer.from(JSON.stringify({ description: 'Grüße, 世界' }), 'utf8').toString('latin1');
  assert.equal((await deploy('utf8', zip, raw)).json().version.description, 'Grüße, 世界');
  const escaped = JSON.stringify({ description: 'Grüße, 世界' }).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  assert.equal((await deploy('utf8', zip, escaped)).json().version.description, 'Grüße, 世界');
});

test('concurrent deploys of one function serialize: each version is one deploy\'s code with that deploy\'s settings, numbered in arrival order', async () => {
  const marks = Array.from({ length: 12 }, (_, i) => `deploy-${i}`);
  const zips = await Promise.all(marks.map((m) => zipFiles(codeFor(m))));
  const answers = await Promise.all(marks.map((m, i) => deploy('contended', zips[i]!, { env: { MARK: m }, memory: 128 + 64 * i })));
  const shas = new Map(await Promise.all(marks.map(async (m) => [await shaOf(m), m] as const)));
  for (const [i, res] of answers.entries()) {
    assert.equal(res.statusCode, 201, res.body);
    const v = res.json().version as VersionView;
    assert.equal(v.version, i + 1, 'in arrival order');
    assert.equal(shas.get(v.codeSha256), marks[i], 'its own code');
    assert.deepEqual([v.env.MARK, v.memory], [marks[i], 128 + 64 * i], 'its own settings');
  }
  const listed = (await t.request('GET', '/v1/functions/contended/versions')).json().versions as VersionView[];
  assert.equal(listed.length, marks.length);
  for (const v of listed) assert.equal(shas.get(v.codeSha256), v.env.MARK, `version ${v.version} is one deploy's code and env`);
});

test('a settings change sent while a deploy is under way waits for it, and is not lost', async () => {
  await deploy('queued', await zipFiles(codeFor('a')), { env: { MARK: 'a' } });
  const deploying = deploy('queued', await zipFiles(codeFor('b')), { env: { MARK: 'b' } });
  const put = t.request('PUT', '/v1/functions/queued', { env: { MARK: 'put' } });
  const lambdaCode = t.request('PUT', '/2015-03-31/functions/queued/code', { ZipFile: (await zipFiles(codeFor('c'))).toString('base64') });
  const [d, p, l] = await Promise.all([deploying, put, lambdaCode]);
  assert.deepEqual([d.statusCode, p.statusCode, l.statusCode], [201, 200, 200]);
  assert.deepEqual(d.json().version.env, { MARK: 'b' }, 'the deploy snapshots its own settings');
  assert.deepEqual((await t.request('GET', '/v1/functions/queued')).json().function.env, { MARK: 'put' }, 'the PUT that came after it stays');
  assert.deepEqual([l.json().Environment.Variables, l.json().CodeSha256], [{ MARK: 'put' }, Buffer.from(await shaOf('c'), 'hex').toString('base64')],
    'UpdateFunctionCode snapshots the settings of its turn');
});
