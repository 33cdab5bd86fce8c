// Secret env values through inject(): written as {"secret": "…"} (native API, deploy)
// and kept secret through the Lambda API; stored sealed (the plaintext is nowhere in
// the data directory), shown as "********" in every read of both APIs, never logged,
// and given to the function itself, opened, in its init request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { GetFunctionCommand, GetFunctionConfigurationCommand, ListFunctionsCommand, ListVersionsByFunctionCommand, UpdateFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { createLogger } from '../../server.js';
import { ECHO_HANDLER, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { zipFiles } from '../../../test/fakes/zip.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';

const SECRET = 'hunter2-0f1e2d3c4b5a';
const ROTATED = 'rotated-9a8b7c6d5e4f';
const MASK = '********';

const logged: string[] = [];
let t: TestApp;
let lambda: LambdaClient;
before(async () => {
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { logged.push(chunk.toString('utf8')); done(); } });
  t = await startTestApp({}, { log: createLogger('trace', sink) });
  lambda = lambdaClient(t.app);
});
after(async () => {
  lambda?.destroy();
  await t?.close();
});

/** Every byte under the data directory (database, its WAL, code blobs, keys). */
function dataDirBytes(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map((n) => join(dir, n)).map((p) => (statSync(p).isDirectory() ? dataDirBytes(p) : readFileSync(p))));
}

/** The env the function was started with, from the newest init request of any sandbox. */
function lastInitEnv(): Record<string, string> {
  const inits = t.driver.started.flatMap((s) => s.inits);
  return inits.at(-1)!.env as Record<string, string>;
}

test('a secret deployed with the code reaches the function, is masked in every read, and is stored only sealed', async () => {
  const v = await t.deploy('vault', undefined, { env: { PLAIN: 'visible', DB_PASSWORD: { secret: SECRET } } });
  assert.equal((await t.request('POST', '/v1/functions/vault/invocations', {})).statusCode, 200);
  assert.deepEqual(lastInitEnv(), { PLAIN: 'visible', DB_PASSWORD: SECRET }, 'the sandbox gets the value itself');

  const reads = [
    await t.request('GET', '/v1/functions'),
    await t.request('GET', '/v1/functions/vault'),
    await t.request('GET', '/v1/functions/vault/versions'),
    await t.request('GET', '/2015-03-31/functions/vault/configuration'),
    await t.request('GET', '/2015-03-31/functions/vault'),
    await t.request('GET', '/2015-03-31/functions?FunctionVersion=ALL'),
    await t.request('GET', '/2015-03-31/functions/vault/versions'),
    await t.request('POST', '/v1/functions/vault/publish'),
  ];
  for (const r of reads) {
    assert.equal(r.statusCode < 300, true, r.body);
    assert.ok(!r.body.includes(SECRET), `no plaintext in ${r.body.slice(0, 120)}`);
  }
  const fn = (await t.request('GET', '/v1/functions/vault')).json();
  assert.deepEqual(fn.function.env, { PLAIN: 'visible', DB_PASSWORD: { secret: MASK } });
  assert.deepEqual(fn.latest.env, { PLAIN: 'visible', DB_PASSWORD: { secret: MASK } });
  assert.equal(fn.latest.version, v);
  const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'vault' }));
  assert.deepEqual(config.Environment?.Variables, { PLAIN: 'visible', DB_PASSWORD: MASK });
  const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'vault' }));
  assert.equal(got.Configuration?.Environment?.Variables?.DB_PASSWORD, MASK);
  const listed = await lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
  assert.ok(listed.Functions!.filter((f) => f.FunctionName === 'vault').every((f) => f.Environment?.Variables?.DB_PASSWORD === MASK));
  const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'vault' }));
  assert.ok(versions.Versions!.every((f) => f.Environment?.Variables?.DB_PASSWORD === MASK));

  assert.ok(!dataDirBytes(t.dataDir).includes(SECRET), 'the plaintext is nowhere in the data directory (database, WAL, code)');
  assert.ok(!logged.join('').includes(SECRET), 'nor in the log');
});

test('sending the mask back keeps a secret; the Lambda API keeps secret what is secret, and can change its value', async () => {
  await t.deploy('rotate', undefined, { env: { DB_PASSWORD: { secret: SECRET } } });
  const kept = await t.request('PUT', '/v1/functions/rotate', { env: { DB_PASSWORD: { secret: MASK }, ADDED: 'yes' } });
  assert.equal(kept.statusCode, 200, kept.body);
  await t.request('POST', '/v1/functions/rotate/versions', await zipFiles(ECHO_HANDLER), { 'content-type': 'application/zip' });
  await t.request('POST', '/v1/functions/rotate/invocations', {});
  assert.deepEqual(lastInitEnv(), { ADDED: 'yes', DB_PASSWORD: SECRET }, 'the stored value was kept');

  // read, add a variable, send everything back, as Lambda users do
  const read = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'rotate' }));
  const updated = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'rotate', Environment: { Variables: { ...read.Environment!.Variables, MORE: '1' } } }));
  assert.deepEqual(updated.Environment?.Variables, { ADDED: 'yes', MORE: '1', DB_PASSWORD: MASK });
  await t.request('POST', '/v1/functions/rotate/invocations', {});
  assert.equal(lastInitEnv().DB_PASSWORD, SECRET, 'the round trip kept the secret');

  const rotated = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'rotate', Environment: { Variables: { DB_PASSWORD: ROTATED } } }));
  assert.deepEqual(rotated.Environment?.Variables, { DB_PASSWORD: MASK }, 'a new value for a secret variable stays secret');
  await t.request('POST', '/v1/functions/rotate/invocations', {});
  assert.equal(lastInitEnv().DB_PASSWORD, ROTATED);
  assert.ok(!dataDirBytes(t.dataDir).includes(ROTATED));

  const plainAgain = await t.request('PUT', '/v1/functions/rotate', { env: { DB_PASSWORD: 'now plain' } });
  assert.deepEqual(plainAgain.json().function.env, { DB_PASSWORD: 'now plain' }, 'the native API can make it plain again');
});

test('a mask with no stored secret behind it, or a malformed secret, is refused without echoing a value', async () => {
  const none = await t.request('PUT', '/v1/functions/nosecret', { env: { TOKEN: { secret: MASK } } });
  assert.equal(none.statusCode, 400);
  assert.equal(none.json().error.type, 'InvalidFunctionConfig');
  assert.match(none.json().error.message, /keeps the stored secret, and there is none/);
  const extra = await t.request('PUT', '/v1/functions/nosecret', { env: { TOKEN: { secret: SECRET, note: 'x' } } });
  assert.equal(extra.statusCode, 400);
  assert.match(extra.json().error.message, /env\.TOKEN must be a string or \{"secret": …\}/);
  assert.ok(!extra.body.includes(SECRET));
  const viaHeader = await t.request('POST', '/v1/functions/nosecret/versions', Buffer.from('x'), { 'skyscale-settings': JSON.stringify({ env: { TOKEN: { secret: SECRET, n: 1 } } }) });
  assert.equal(viaHeader.statusCode, 400);
  assert.ok(!viaHeader.body.includes(SECRET));
});

test('the logger redacts settings, env values and the settings header wherever a record carries them', () => {
  const lines: string[] = [];
  const log = createLogger('info', new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done(); } }));
  log.info({ req: { headers: { 'skyscale-settings': JSON.stringify({ env: { A: { secret: SECRET } } }) } } }, 'a request');
  log.info({ fn: { env: { A: SECRET }, secretEnv: { B: SECRET } }, body: { Environment: { Variables: { C: SECRET } } } }, 'a record');
  log.info({ Variables: { D: SECRET } }, 'variables');
  assert.equal(lines.length, 3);
  assert.ok(!lines.join('').includes(SECRET), lines.join(''));
});
