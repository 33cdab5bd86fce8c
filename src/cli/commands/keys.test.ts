// skyscale keys and skyscale audit, run in process against a served test app: a key
// made by the CLI works with its role, shows in the list without its secret, and is
// revoked; the audit log names what was done.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { runCli } from '../main.js';

let t: TestApp;
let endpoint: string;
before(async () => {
  t = await startTestApp();
  endpoint = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => { await t?.close(); });

async function cli(args: string[], key = ADMIN_KEY): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    env: { HOME: t.dataDir, SKYSCALE_ENDPOINT: endpoint, SKYSCALE_API_KEY: key },
    out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; }, readStdin: async () => Buffer.alloc(0),
  });
  return { code, out, err };
}

test('keys create prints the key once; it works with its role and scope; keys list shows it without the secret; keys revoke ends it', async () => {
  await t.deploy('orders-api');
  const made = await cli(['keys', 'create', '--role', 'invoker', '--functions', 'orders-*', '--expires', '30d', '--description', 'orders CI']);
  assert.equal(made.code, 0, made.err);
  const key = made.out.trim();
  assert.match(key, /^[0-9a-f]{12}\.[A-Za-z0-9_-]{32}$/);
  assert.match(made.err, /invoker key .* for functions orders-\*, expiring 20/);

  assert.equal((await cli(['invoke', '--name', 'orders-api', '--payload', '{"a":1}'], key)).code, 0);
  const refused = await cli(['delete', '--name', 'orders-api'], key);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /role invoker\) may not create, change and delete/);
  assert.match((await cli(['keys', 'list'], key)).err, /may not create, list and revoke API keys/, 'an invoker cannot manage keys');

  const list = await cli(['keys', 'list']);
  const id = key.split('.')[0]!;
  assert.match(list.out, new RegExp(`${id}\\s+invoker\\s+invoker key\\s+orders-\\*\\s+20\\S+\\s+active`));
  assert.match(list.out, /active \(bootstrap\)/);
  assert.ok(!list.out.includes(key.split('.')[1]!), 'no secret is listed');

  assert.equal((await cli(['keys', 'revoke', id])).code, 0);
  assert.match((await cli(['list'], key)).err, /revoked/);
  assert.match((await cli(['keys', 'list', '--json'])).out, new RegExp(`"id":"${id}"[^}]*"status":"revoked"`));
});

test('skyscale audit shows who changed what, oldest of the newest first; a role without it is told so', async () => {
  const res = await cli(['audit', '--limit', '3']);
  assert.equal(res.code, 0, res.err);
  const lines = res.out.trim().split('\n');
  assert.match(lines[0]!, /^TIME\s+KEY\s+ACTION\s+TARGET\s+FROM\s+RESULT/);
  assert.equal(lines.length, 4);
  assert.match(lines[3]!, /key\.revoke\s+[0-9a-f]{12}\s+127\.0\.0\.1\s+ok/);
  const viewer = (await cli(['keys', 'create', '--role', 'viewer'])).out.trim();
  const denied = await cli(['audit'], viewer);
  assert.equal(denied.code, 1);
  assert.match(denied.err, /may not read the audit log/);
});
