// The audit log through the API: every change is recorded once answered — who (key id
// and name), what (action, target), from where, and how it ended, refusals included;
// reads and invocations are not; only admin keys read it; the table is append-only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startTestApp, type TestApp } from '../../test/fakes/app.js';
import type { AuditEntry } from '../model/audit.js';

let t: TestApp;
before(async () => { t = await startTestApp(); });
after(async () => { await t?.close(); });

const entries = async (): Promise<AuditEntry[]> => (await t.request('GET', '/v1/audit?limit=1000')).json().entries;

test('changes are recorded with the key, the action and target, the client address and the result; reads and invocations are not', async () => {
  const before = (await entries()).length;
  await t.deploy('audited'); // one request: code and settings
  await t.request('PUT', '/v1/functions/audited/aliases/live', { version: 1 });
  await t.request('GET', '/v1/functions/audited');
  await t.request('POST', '/v1/functions/audited/invocations', {});
  await t.request('POST', '/2021-10-31/functions/audited/url?Qualifier=live', { AuthType: 'NONE' });
  await t.request('PUT', '/2017-10-31/functions/audited/concurrency', { ReservedConcurrentExecutions: 2 });
  await t.request('POST', '/v1/functions/audited/rollback', {});
  await t.request('DELETE', '/v1/functions/nosuch');
  const admin = ADMIN_KEY.split('.')[0];

  const all = await entries();
  const log = all.slice(0, all.length - before).reverse();
  assert.deepEqual(log.map((e) => [e.action, e.target, e.result]), [
    ['function.deploy', 'audited', 'ok'],
    ['alias.put', 'audited:live', 'ok'],
    ['url-config.create', 'audited:live', 'ok'],
    ['concurrency.put', 'audited', 'ok'],
    ['function.rollback', 'audited', 'ValidationError'],
    ['function.delete', 'nosuch', 'FunctionNotFound'],
  ]);
  for (const e of log) {
    assert.equal(e.keyId, admin);
    assert.match(e.keyName, /bootstrap admin/);
    assert.equal(e.client, '127.0.0.1');
    assert.ok(!Number.isNaN(Date.parse(e.at)));
  }
});

test('a refused change is recorded under the key that tried it; the new key is named, never its secret', async () => {
  const made = (await t.request('POST', '/v1/keys', { role: 'viewer', name: 'read only' })).json();
  const res = await t.app.inject({ method: 'DELETE', url: '/v1/functions/audited', headers: { authorization: `Bearer ${made.secret}` } });
  assert.equal(res.statusCode, 403);
  const [refused, created] = await entries();
  assert.deepEqual([refused!.action, refused!.target, refused!.keyId, refused!.keyName, refused!.result], ['function.delete', 'audited', made.key.id, 'read only', 'Forbidden']);
  assert.deepEqual([created!.action, created!.target, created!.detail], ['key.create', made.key.id, 'role viewer']);
  assert.ok(!JSON.stringify(await entries()).includes(made.secret.split('.')[1]));
});

test('unauthenticated attempts are not recorded (there is no one to name), and only admin keys read the log', async () => {
  const count = (await entries()).length;
  await t.app.inject({ method: 'DELETE', url: '/v1/functions/audited' });
  assert.equal((await entries()).length, count);
  const dev = (await t.request('POST', '/v1/keys', { role: 'developer' })).json();
  const res = await t.app.inject({ method: 'GET', url: '/v1/audit', headers: { authorization: `Bearer ${dev.secret}` } });
  assert.equal(res.statusCode, 403);
});

test('the audit log is append-only: the database refuses to change or delete an entry', () => {
  const db = (t.services.audit as unknown as { table: { db: { prepare(sql: string): { run(): unknown } } } }).table.db;
  assert.throws(() => db.prepare("UPDATE audit_log SET result = 'ok'").run(), /append-only/);
  assert.throws(() => db.prepare('DELETE FROM audit_log').run(), /append-only/);
});
