// /v1/functions through inject(): create, configure, read, delete; deploy packages
// (and the refusals a bad package or bad settings get); versions, publish, rollback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { zipFiles } from '../../../test/fakes/zip.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t?.close(); });

const upload = async (name: string, bytes: Buffer) => t.request('POST', `/v1/functions/${name}/versions`, bytes, { 'content-type': 'application/octet-stream' });

test('create, list, read and delete a function', async () => {
  const created = await t.request('POST', '/v1/functions', { name: 'crud', memory: 256, env: { A: 'b' } });
  assert.equal(created.statusCode, 201);
  assert.deepEqual({ ...created.json().function, createdAt: 0, updatedAt: 0 }, {
    name: 'crud', runtime: 'python3.11', handler: 'handler.handler', memory: 256, timeout: 3, env: { A: 'b' }, description: '',
    network: 'outbound', allow: [], latestVersion: null, reservedConcurrency: null, minWarm: 0, createdAt: 0, updatedAt: 0,
  });
  assert.ok((await t.request('GET', '/v1/functions')).json().functions.some((f: { name: string }) => f.name === 'crud'));
  const got = (await t.request('GET', '/v1/functions/crud')).json();
  assert.deepEqual({ latest: got.latest, versions: got.versions, aliases: got.aliases }, { latest: null, versions: 0, aliases: [] });
  assert.equal((await t.request('DELETE', '/v1/functions/crud')).statusCode, 204);
  const gone = await t.request('GET', '/v1/functions/crud');
  assert.equal(gone.statusCode, 404);
  assert.equal(gone.json().error.type, 'FunctionNotFound');
  assert.equal((await t.request('DELETE', '/v1/functions/crud')).statusCode, 404);
});

test('GET /v1/runtimes lists the runtimes with their real versions, then the names Python 3.11 stands in for', async () => {
  const res = await t.request('GET', '/v1/runtimes');
  assert.equal(res.statusCode, 200);
  const runtimes = res.json().runtimes as { name: string; language: string; version: string; runsOn?: string; note?: string }[];
  assert.deepEqual(runtimes.slice(0, 3), [
    { name: 'python3.11', language: 'python', version: '3.11.2' },
    { name: 'nodejs22.x', language: 'nodejs', version: '22.23.5' },
    { name: 'nodejs24.x', language: 'nodejs', version: '24.22.3' },
  ]);
  assert.deepEqual(runtimes.find((r) => r.name === 'python3.8'), { name: 'python3.8', language: 'python', version: '3.11.2', runsOn: 'python3.11', note: 'python3.8 runs on Python 3.11 here' });
});

test('a Node.js runtime is accepted; one the node lacks is refused naming those it has; python3.8 is taken with a note', async () => {
  const node = await t.request('POST', '/v1/functions', { name: 'rt-node', runtime: 'nodejs22.x', handler: 'index.handler' });
  assert.equal(node.statusCode, 201);
  assert.equal(node.json().function.runtime, 'nodejs22.x');
  assert.equal(node.json().function.runtimeNote, undefined);
  for (const runtime of ['nodejs20.x', 'python3.13']) {
    const refused = await t.request('POST', '/v1/functions', { name: 'rt-missing', runtime });
    assert.equal(refused.statusCode, 400, runtime);
    assert.equal(refused.json().error.type, 'InvalidFunctionConfig');
    assert.match(refused.json().error.message, new RegExp(`runtime "${runtime.replace('.', '\\.')}" is not available on this node; it has python3\\.11, nodejs22\\.x, nodejs24\\.x`));
  }
  const old = await t.request('POST', '/v1/functions', { name: 'rt-old', runtime: 'python3.8' });
  assert.equal(old.statusCode, 201);
  assert.equal(old.json().function.runtimeNote, 'python3.8 runs on Python 3.11 here');
  const deployed = await t.request('POST', '/v1/functions/rt-node/versions', await zipFiles({ 'index.mjs': 'export const handler = async () => 1;' }),
    { 'content-type': 'application/zip' });
  assert.equal(deployed.statusCode, 201, deployed.body);
  const noFile = await t.request('POST', '/v1/functions/rt-node/versions', await zipFiles({ 'handler.py': 'x' }), { 'content-type': 'application/zip' });
  assert.equal(noFile.statusCode, 400);
  assert.match(noFile.json().error.message, /needs the file "index\.js" or "index\.mjs" or "index\.cjs"/);
});

test('PUT creates (201) then updates (200) the settings; the body may not name another function', async () => {
  assert.equal((await t.request('PUT', '/v1/functions/upsert', { timeout: 5 })).statusCode, 201);
  const updated = await t.request('PUT', '/v1/functions/upsert', { description: 'now described' });
  assert.equal(updated.statusCode, 200);
  assert.equal(updated.json().function.timeout, 5, 'fields left out keep their value');
  assert.equal(updated.json().function.description, 'now described');
  const other = await t.request('PUT', '/v1/functions/upsert', { name: 'someone-else' });
  assert.equal(other.statusCode, 400);
  assert.equal(other.json().error.type, 'ValidationError');
});

test('minWarm is set by PUT and checked before anything is written', async () => {
  assert.equal((await t.request('PUT', '/v1/functions/warm', { minWarm: 2 })).json().function.minWarm, 2);
  const bad = await t.request('PUT', '/v1/functions/warm', { minWarm: 101, timeout: 9 });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.type, 'InvalidFunctionConfig');
  assert.equal((await t.request('GET', '/v1/functions/warm')).json().function.timeout, 3, 'the timeout sent with it was not applied');
});

test('invalid settings name every problem', async () => {
  const res = await t.request('PUT', '/v1/functions/pkg', { memory: 1, timeout: 100000, runtime: 'cobol' });
  assert.equal(res.statusCode, 400);
  assert.equal(res.headers['x-skyscale-error-type'], 'InvalidFunctionConfig');
  assert.equal(res.json().error.type, 'InvalidFunctionConfig');
  assert.equal(res.json().error.details.problems.length, 3);
});

test('network and allow: set by PUT in canonical form, snapshotted by a deploy; bad entries are each named', async () => {
  const put = await t.request('PUT', '/v1/functions/net', { network: 'outbound', allow: ['10.1.2.3:5432', 'DB.internal:5432', '192.168.0.0/16'] });
  assert.equal(put.statusCode, 201);
  assert.deepEqual([put.json().function.network, put.json().function.allow], ['outbound', ['10.1.2.3:5432', 'db.internal:5432', '192.168.0.0/16']]);
  await t.deploy('net');
  assert.deepEqual((await t.request('GET', '/v1/functions/net')).json().latest.allow, ['10.1.2.3:5432', 'db.internal:5432', '192.168.0.0/16']);
  const bad = await t.request('PUT', '/v1/functions/net', { network: 'everywhere', allow: ['169.254.169.254', '127.0.0.1:80', '10.0.0.1/8'] });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.type, 'InvalidFunctionConfig');
  assert.equal(bad.json().error.details.problems.length, 4, bad.body);
  const none = await t.request('PUT', '/v1/functions/net', { network: 'none', allow: ['10.1.2.3'] });
  assert.match(none.json().error.message, /allow needs network "outbound"/);
  assert.equal((await t.request('PUT', '/v1/functions/net', { network: 'none', allow: [] })).json().function.network, 'none');
  assert.equal((await t.request('PUT', '/v1/functions/net', { allow: 'not a list' })).statusCode, 400, 'the schema wants a list');
});

test('a new function takes the server\'s default network; SKYSCALE_DEFAULT_NETWORK=none makes it none', async () => {
  const other = await startTestApp({ SKYSCALE_DEFAULT_NETWORK: 'none' });
  try {
    assert.equal((await other.request('PUT', '/v1/functions/quiet', {})).json().function.network, 'none');
    assert.equal((await other.request('PUT', '/v1/functions/loud', { network: 'outbound' })).json().function.network, 'outbound');
    assert.equal((await other.request('PUT', '/v1/functions/quiet', { timeout: 5 })).json().function.network, 'none', 'an update keeps it');
  } finally { await other.close(); }
});

test('an invalid function name is refused', async () => {
  const res = await t.request('POST', '/v1/functions', { name: 'no spaces allowed' });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().error.message, /name must be/);
});

test('creating a function twice is a conflict', async () => {
  assert.equal((await t.request('POST', '/v1/functions', { name: 'twice' })).statusCode, 201);
  const res = await t.request('POST', '/v1/functions', { name: 'twice' });
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().error.type, 'FunctionExists');
});

test('invoking a function without code is a clear 409', async () => {
  await t.request('PUT', '/v1/functions/nocode', {});
  const res = await t.request('POST', '/v1/functions/nocode/invocations', {});
  assert.equal(res.statusCode, 409);
  assert.equal(res.json().error.type, 'FunctionNotReady');
});

test('a package that is not an archive, or an empty body, is refused', async () => {
  await t.request('PUT', '/v1/functions/pkg', {});
  const res = await upload('pkg', Buffer.from('def handler(e, c): pass\n'));
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.type, 'InvalidCodePackage');
  assert.match(res.json().error.message, /not a zip, tar.gz or tar/);
  const empty = await upload('pkg', Buffer.alloc(0));
  assert.equal(empty.statusCode, 400);
  assert.equal(empty.json().error.type, 'InvalidCodePackage');
});

test('a package without the handler file is refused, with a hint when the folder itself was zipped', async () => {
  await t.request('PUT', '/v1/functions/pkg', {});
  const res = await upload('pkg', await zipFiles({ 'pkg/handler.py': 'x' }));
  assert.equal(res.statusCode, 400);
  assert.match(res.json().error.message, /needs the file "handler.py"/);
  assert.match(res.json().error.hint, /folder's contents/);
});

test('a tar.gz with a path that climbs out of the package is refused', async () => {
  await t.request('PUT', '/v1/functions/pkg', {});
  const h = Buffer.alloc(512);
  h.write('../../etc/cron.d/evil', 0);
  for (const [off, v] of [[100, '0000644\0'], [108, '0000000\0'], [116, '0000000\0'], [124, '00000000001\0'], [136, '00000000000\0']] as const) h.write(v, off);
  h.fill(' ', 148, 156);
  h.write('0', 156);
  h.write('ustar\u000000', 257, 'binary');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'binary');
  const res = await upload('pkg', gzipSync(Buffer.concat([h, Buffer.from('x'), Buffer.alloc(511), Buffer.alloc(1024)])));
  assert.equal(res.statusCode, 400);
  assert.match(res.json().error.message, /escapes the package/);
});

test('each deploy is a new published version that $LATEST runs; versions are listed oldest first', async () => {
  const v1 = await t.deploy('versioned');
  const v2 = await t.deploy('versioned', { 'handler.py': 'def handler(e, c):\n    return 2\n' });
  assert.deepEqual([v1, v2], [1, 2]);
  const versions = (await t.request('GET', '/v1/functions/versioned/versions')).json().versions;
  assert.deepEqual(versions.map((v: { version: number; published: boolean }) => [v.version, v.published]), [[1, true], [2, true]]);
  assert.match(versions[0].codeSha256, /^[0-9a-f]{64}$/);
  assert.notEqual(versions[0].codeSha256, versions[1].codeSha256);
  const fn = (await t.request('GET', '/v1/functions/versioned')).json();
  assert.equal(fn.function.latestVersion, 2);
  assert.equal(fn.latest.version, 2);
  assert.equal(fn.versions, 2);
  const published = await t.request('POST', '/v1/functions/versioned/publish');
  assert.equal(published.statusCode, 201);
  assert.equal(published.json().version.version, 2, 'a deploy is already published');
});

test('rollback moves $LATEST back one version, then refuses when there is none earlier', async () => {
  await t.deploy('rolled');
  await t.deploy('rolled');
  const back = await t.request('POST', '/v1/functions/rolled/rollback');
  assert.equal(back.statusCode, 200);
  assert.deepEqual(back.json(), { rollback: { from: 2, to: 1 } });
  assert.equal((await t.request('GET', '/v1/functions/rolled')).json().function.latestVersion, 1);
  const none = await t.request('POST', '/v1/functions/rolled/rollback', {});
  assert.equal(none.statusCode, 400);
  assert.match(none.json().error.message, /no earlier version/);
});

test('rollback of an alias moves the alias only', async () => {
  await t.deploy('aliased');
  await t.deploy('aliased');
  await t.request('PUT', '/v1/functions/aliased/aliases/live', { version: 2 });
  const back = await t.request('POST', '/v1/functions/aliased/rollback', { alias: 'live' });
  assert.deepEqual(back.json(), { rollback: { from: 2, to: 1, alias: 'live' } });
  assert.equal((await t.request('GET', '/v1/functions/aliased/aliases/live')).json().alias.version, 1);
  assert.equal((await t.request('GET', '/v1/functions/aliased')).json().function.latestVersion, 2);
});
