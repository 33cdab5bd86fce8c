// Who may use which route, on every surface, from the routes' own declarations: every
// registered route declares its access; docs/auth.md lists exactly those declarations
// (and the roles' permissions as src/auth/permissions.ts grants them); then every row is
// tried without a key, with each role, and with keys limited to some functions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { DeleteFunctionCommand, GetFunctionCommand, InvokeCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { PERMISSIONS, ROLE_PERMISSIONS, roleAllows } from '../auth/permissions.js';
import { ROLES, type Role } from '../model/api-key.js';
import { repoPath } from '../paths.js';
import { startTestApp, type TestApp } from '../../test/fakes/app.js';
import { lambdaClient } from '../../test/fakes/lambda-client.js';
import { zipFiles } from '../../test/fakes/zip.js';
import type { RouteAccess } from './gate.js';

interface Row {
  method: string;
  url: string;
  access: RouteAccess;
}

const routes: RouteOptions[] = [];
let t: TestApp;
/** role → key; `scoped:<role>` → a key of that role limited to fx* */
const keys: Record<string, string> = {};
const IN_SCOPE = 'fx';
const OUT_OF_SCOPE = 'other';
const REMOTE = '192.0.2.10';

before(async () => {
  t = await startTestApp({ SKYSCALE_KEY_RATE: '0' }, { onRoute: (r) => routes.push(r) });
  for (const role of ROLES) keys[role] = t.services.keys.create({ role }).secret;
  for (const role of ROLES.filter((r) => r !== 'admin')) keys[`scoped:${role}`] = t.services.keys.create({ role, functions: ['fx*'] }).secret;
  await fixtures();
});
after(async () => { await t?.close(); });

/** fx and other, each with code, an alias `live` and an AWS_IAM URL; put back when a row deleted them. */
async function fixtures(): Promise<void> {
  const registry = t.services.registry;
  for (const name of [IN_SCOPE, OUT_OF_SCOPE]) {
    if (!registry.list().some((f) => f.name === name)) await t.deploy(name);
    if (registry.latest(name).snapshot === null) await t.deploy(name);
    if (!registry.aliases.list(name).some((a) => a.name === 'live')) registry.aliases.put(name, 'live', { functionVersion: registry.versions(name)[0]!.version }, 'set');
    if (!registry.urls.list(name).some((u) => u.qualifier === '')) registry.urls.put(name, '', { authType: 'AWS_IAM' }, 'create');
  }
}

/** Every route the app serves, once per method (HEAD goes with GET); a route taking every method is ANY. */
function rows(): Row[] {
  const out: Row[] = [];
  for (const r of routes) {
    const methods = [r.method].flat().filter((m) => m !== 'HEAD');
    if (methods.length === 0) continue;
    out.push({ method: methods.length > 2 ? 'ANY' : methods.join(','), url: r.url.replace(/:([A-Za-z]+)/g, '{$1}'), access: r.config!.access! });
  }
  return out;
}

function render(access: RouteAccess): string[] {
  const scope = access.perUrl ? `${access.scope}, per URL` : access.openOnLoopback ? `${access.scope}, open on loopback` : access.scope;
  return [access.permission, scope, access.audit ?? '—'];
}

/** A request for the row naming `fn` (in its path, or its body for create routes). */
async function send(row: Row, fn: string, key: string | null): Promise<LightMyRequestResponse> {
  const url = row.url.replace(/\{(name|FunctionName|target)\}/, fn).replace('{Resource}', encodeURIComponent(`arn:aws:lambda:local:000000000000:function:${fn}`)).replace(/\{(alias|Name)\}/, 'live').replace(/\{id\}/, 'nosuchid').replace('*', 'x')
    .replace('{file}', () => dashboardAsset());
  const method = row.method === 'ANY' ? 'POST' : row.method;
  let body: string | undefined;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    body = JSON.stringify(row.access.scope !== 'body' ? {} : row.url.startsWith('/v1') ? { name: fn } : { FunctionName: fn, Role: 'arn:aws:iam::000000000000:role/r', Code: { ZipFile: '' } });
  }
  // from another host: routes open on loopback take a key from there
  const request = {
    method: method as 'GET', url, remoteAddress: REMOTE,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: body } : {}),
  };
  if (!row.url.endsWith('/logs/stream')) return t.app.inject(request);
  // an event stream does not end: an accepted one is its status and headers, a refusal is read whole
  const res = await t.app.inject({ ...request, payloadAsStream: true });
  const stream = res.stream();
  let text = '';
  if (res.statusCode === 200) stream.destroy();
  else for await (const chunk of stream) text += String(chunk);
  return { statusCode: res.statusCode, headers: res.headers, body: text, json: () => JSON.parse(text) } as unknown as LightMyRequestResponse;
}

/** A file of the built dashboard (scripts/check.sh builds it before the unit tests run). */
function dashboardAsset(): string {
  const dir = repoPath('build/dashboard/assets');
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.js')) : undefined;
  assert.ok(file, 'the dashboard is built (npm run build:dashboard)');
  return file;
}

function refusedByRole(res: LightMyRequestResponse): boolean {
  return res.statusCode === 403 && (res.headers['x-skyscale-error-type'] === 'Forbidden' || res.headers['x-amzn-errortype'] === 'AccessDeniedException');
}

test('every registered route declares its access', () => {
  assert.ok(routes.length > 40, `routes collected: ${routes.length}`);
  for (const r of routes) assert.ok(r.config?.access, `${String(r.method)} ${r.url}`);
  for (const row of rows()) {
    if (row.access.permission !== 'public') assert.ok(row.access.permission in PERMISSIONS, `${row.method} ${row.url}`);
    if (row.access.audit) assert.notEqual(row.access.permission, 'functions:read', `${row.method} ${row.url}: reads are not audited`);
  }
});

test('docs/auth.md lists every route with the permission, scope and audit action it declares', () => {
  const doc = readFileSync(repoPath('docs/auth.md'), 'utf8');
  const documented = doc.split('\n').map((l) => /^\| (GET|POST|PUT|PATCH|DELETE|ANY) \| `([^`]+)` \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/.exec(l)).filter((m) => m !== null)
    .map((m) => `${m[1]} ${m[2]} | ${m[3]!.trim()} | ${m[4]!.trim()} | ${m[5]!.trim()}`).sort();
  const declared = rows().map((r) => `${r.method} ${r.url} | ${render(r.access).join(' | ')}`).sort();
  assert.deepEqual(documented, declared);
});

test("docs/auth.md's role table is the roles' permissions", () => {
  const doc = readFileSync(repoPath('docs/auth.md'), 'utf8');
  const header = doc.split('\n').find((l) => l.startsWith('| permission |'))!;
  const roles = header.split('|').map((c) => c.trim()).filter(Boolean).slice(1, -1) as Role[];
  assert.deepEqual([...roles].sort(), [...ROLES].sort());
  for (const permission of Object.keys(PERMISSIONS)) {
    const line = doc.split('\n').find((l) => l.startsWith(`| ${permission} |`));
    assert.ok(line, permission);
    const cells = line.split('|').map((c) => c.trim()).slice(2, 2 + roles.length);
    roles.forEach((role, i) => assert.equal(cells[i] === 'yes', ROLE_PERMISSIONS[role].includes(permission as never), `${permission} for ${role}`));
  }
});

test('without a key every route but the public ones is 401, answered before the body is read', async () => {
  for (const row of rows()) {
    await fixtures();
    const res = await send(row, IN_SCOPE, null);
    if (row.access.permission === 'public') assert.equal(res.statusCode, 200, `${row.method} ${row.url}`);
    else assert.equal(res.statusCode, 401, `${row.method} ${row.url}: ${res.body}`);
  }
});

test('each role is refused (403 Forbidden / AccessDeniedException) exactly on the routes its permissions do not cover', async () => {
  for (const row of rows()) {
    if (row.access.permission === 'public') continue;
    for (const role of ROLES) {
      await fixtures();
      const res = await send(row, IN_SCOPE, keys[role]!);
      const allowed = roleAllows(role, row.access.permission);
      assert.notEqual(res.statusCode, 401, `${role} ${row.method} ${row.url}`);
      assert.equal(refusedByRole(res), !allowed, `${role} ${row.method} ${row.url}: ${res.statusCode} ${res.body}`);
    }
  }
});

test('a key limited to fx* may use routes naming fx, not those naming another function, and no node-wide route', async () => {
  for (const row of rows()) {
    if (row.access.permission === 'public' || row.access.scope === 'listing' || row.access.scope === 'record') continue;
    for (const role of ROLES.filter((r) => r !== 'admin' && roleAllows(r, row.access.permission as never))) {
      const key = keys[`scoped:${role}`]!;
      await fixtures();
      const inside = await send(row, IN_SCOPE, key);
      await fixtures();
      const outside = await send(row, OUT_OF_SCOPE, key);
      const what = `${role} limited to fx*: ${row.method} ${row.url}`;
      if (row.access.scope === 'node') {
        assert.ok(refusedByRole(inside), `${what}: ${inside.statusCode}`);
      } else {
        assert.ok(!refusedByRole(inside) && inside.statusCode !== 401, `${what} naming fx: ${inside.statusCode} ${inside.body}`);
        assert.ok(refusedByRole(outside), `${what} naming other: ${outside.statusCode} ${outside.body}`);
      }
    }
  }
});

test('listings show a scoped key only its functions; an invocation record of another function is refused', async () => {
  await fixtures();
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  const native = await t.app.inject({ method: 'GET', url: '/v1/functions', headers: bearer(keys['scoped:viewer']!) });
  assert.deepEqual(native.json().functions.map((f: { name: string }) => f.name), [IN_SCOPE]);
  const lambda = await t.app.inject({ method: 'GET', url: '/2015-03-31/functions/', headers: bearer(keys['scoped:developer']!) });
  assert.deepEqual(lambda.json().Functions.map((f: { FunctionName: string }) => f.FunctionName), [IN_SCOPE]);
  const all = await t.request('GET', '/v1/functions');
  assert.ok(all.json().functions.length >= 2, 'an unscoped key sees every function');

  const other = (await t.request('POST', `/v1/functions/${OUT_OF_SCOPE}/invocations`, {})).headers['x-skyscale-request-id'] as string;
  const mine = (await t.app.inject({ method: 'POST', url: `/v1/functions/${IN_SCOPE}/invocations`, headers: bearer(keys['scoped:invoker']!) })).headers['x-skyscale-request-id'] as string;
  const read = (id: string) => t.app.inject({ method: 'GET', url: `/v1/invocations/${id}`, headers: bearer(keys['scoped:invoker']!) });
  assert.equal((await read(mine)).statusCode, 200, 'an invoker reads the record of its own invocation');
  assert.ok(refusedByRole(await read(other)), 'not one of a function outside its scope');
});

test('a public (NONE) function URL takes no key; an AWS_IAM one takes a key that may invoke the function', async () => {
  await fixtures();
  t.services.registry.urls.put(IN_SCOPE, 'live', { authType: 'NONE' }, 'create');
  try {
    assert.equal((await t.app.inject({ method: 'GET', url: `/fn/${IN_SCOPE}:live/hello` })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: `/fn/${IN_SCOPE}/hello` })).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'GET', url: `/fn/${IN_SCOPE}/hello`, headers: { authorization: `Bearer ${keys.invoker}` } })).statusCode, 200);
    assert.ok(refusedByRole(await t.app.inject({ method: 'GET', url: `/fn/${IN_SCOPE}/hello`, headers: { authorization: `Bearer ${keys.viewer}` } })));
  } finally {
    t.services.registry.urls.delete(IN_SCOPE, 'live');
  }
});

test('a developer key cannot create keys; an admin key can, and the new key works with its role', async () => {
  const dev = await t.app.inject({ method: 'POST', url: '/v1/keys', headers: { authorization: `Bearer ${keys.developer}`, 'content-type': 'application/json' }, payload: { role: 'admin' } });
  assert.equal(dev.statusCode, 403);
  assert.equal(dev.json().error.type, 'Forbidden');
  const made = await t.request('POST', '/v1/keys', { role: 'viewer', name: 'ci reader', functions: ['fx*'] });
  assert.equal(made.statusCode, 201, made.body);
  const { key, secret } = made.json();
  assert.equal(key.role, 'viewer');
  assert.match(secret, new RegExp(`^${key.id}\\.`));
  const listed = (await t.request('GET', '/v1/keys')).json().keys;
  assert.ok(listed.some((k: { id: string }) => k.id === key.id));
  assert.ok(!JSON.stringify(listed).includes(secret.split('.')[1]), 'secrets are never listed');
  const asViewer = (method: string, url: string) => t.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${secret}` } });
  assert.equal((await asViewer('GET', `/v1/functions/${IN_SCOPE}`)).statusCode, 200);
  assert.equal((await asViewer('DELETE', `/v1/functions/${IN_SCOPE}`)).statusCode, 403);
  assert.equal((await t.request('DELETE', `/v1/keys/${key.id}`)).statusCode, 204);
  assert.equal((await asViewer('GET', `/v1/functions/${IN_SCOPE}`)).statusCode, 401, 'a revoked key stops working at once');
});

test('the bootstrap admin key cannot be revoked through the API (it is rotated), and zip uploads still go through the gate', async () => {
  const id = (await t.request('GET', '/v1/keys')).json().keys.find((k: { bootstrap: boolean }) => k.bootstrap).id;
  const res = await t.request('DELETE', `/v1/keys/${id}`);
  assert.equal(res.statusCode, 400);
  assert.match(res.json().error.hint, /SKYSCALE_ADMIN_KEY/);
  const refused = await t.app.inject({ method: 'POST', url: `/v1/functions/${IN_SCOPE}/versions`, headers: { authorization: `Bearer ${keys.viewer}`, 'content-type': 'application/zip' },
    payload: await zipFiles({ 'handler.py': 'def handler(e, c):\n    return 1\n' }) });
  assert.equal(refused.statusCode, 403);
});

test('through the AWS SDK (SigV4): roles and scopes hold, refused as AccessDeniedException', async () => {
  await fixtures();
  const denied = async (p: Promise<unknown>) => {
    await assert.rejects(p, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.name, 'AccessDeniedException', err.message);
      assert.equal(err.$metadata?.httpStatusCode, 403);
      return true;
    });
  };
  const viewer = lambdaClient(t.app, keys.viewer!);
  const scoped = lambdaClient(t.app, keys['scoped:developer']!);
  const invoker = lambdaClient(t.app, keys['scoped:invoker']!);
  try {
    assert.ok((await viewer.send(new ListFunctionsCommand({}))).Functions!.length >= 2);
    await denied(viewer.send(new DeleteFunctionCommand({ FunctionName: IN_SCOPE })));
    await denied(viewer.send(new InvokeCommand({ FunctionName: IN_SCOPE })));
    assert.equal((await scoped.send(new GetFunctionCommand({ FunctionName: `arn:aws:lambda:local:000000000000:function:${IN_SCOPE}` }))).Configuration!.FunctionName, IN_SCOPE);
    await denied(scoped.send(new GetFunctionCommand({ FunctionName: `arn:aws:lambda:local:000000000000:function:${OUT_OF_SCOPE}` })));
    assert.equal((await invoker.send(new InvokeCommand({ FunctionName: `${IN_SCOPE}:live`, Payload: new TextEncoder().encode('{"n":1}') }))).StatusCode, 200);
    await denied(invoker.send(new InvokeCommand({ FunctionName: OUT_OF_SCOPE })));
    await denied(invoker.send(new ListFunctionsCommand({})));
  } finally {
    for (const c of [viewer, scoped, invoker]) c.destroy();
  }
});

test('a function name that does not parse is left to the route for unscoped keys, and matches no scope', async () => {
  const get = (key: string) => t.app.inject({ method: 'GET', url: '/2015-03-31/functions/fx:a:b', headers: { authorization: `Bearer ${key}` } });
  const unscoped = await get(keys.developer!);
  assert.equal(unscoped.statusCode, 400);
  assert.notEqual(unscoped.headers['x-amzn-errortype'], 'AccessDeniedException');
  assert.ok(refusedByRole(await get(keys['scoped:developer']!)));
});
