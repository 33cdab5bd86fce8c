// Node.js functions (nodejs22.x, nodejs24.x) deployed and invoked in real sandboxes
// through the native API: CommonJS, ES modules and the callback form, Lambda's context
// and error shape, console output in the invocation's log, init errors, timeouts, a warm
// second call and a start from a pre-warmed (prestarted) Node.js sandbox.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s?.stop(); });

const node = (runtime: 'nodejs22.x' | 'nodejs24.x', more: Record<string, unknown> = {}) => ({ runtime, handler: 'index.handler', ...more });
const record = async (res: { headers: Headers }) => (await s.api('GET', `/v1/invocations/${res.headers.get('x-skyscale-request-id')}`)).json().invocation;

const CJS = `
exports.handler = async (event, context) => {
  console.log('hello', event.name);
  return {
    message: 'Hello, ' + event.name + '!', node: process.version,
    awsRequestId: context.awsRequestId, functionName: context.functionName, functionVersion: context.functionVersion,
    memoryLimitInMB: context.memoryLimitInMB, invokedFunctionArn: context.invokedFunctionArn, logGroupName: context.logGroupName,
    logStreamName: context.logStreamName, remaining: context.getRemainingTimeInMillis(), waits: context.callbackWaitsForEmptyEventLoop,
    greeting: process.env.GREETING, cwd: process.cwd(), uid: process.getuid(),
  };
};`;

test('GET /v1/runtimes lists the image\'s runtimes with their real versions; a runtime it lacks is refused with that list', async () => {
  const runtimes = (await s.api('GET', '/v1/runtimes')).json().runtimes as { name: string; language: string; version: string }[];
  const byName = new Map(runtimes.map((r) => [r.name, r]));
  assert.match(byName.get('nodejs22.x')?.version ?? '', /^22\.\d+\.\d+$/);
  assert.match(byName.get('nodejs24.x')?.version ?? '', /^24\.\d+\.\d+$/);
  assert.match(byName.get('python3.11')?.version ?? '', /^3\.11\.\d+$/);
  const refused = await s.api('POST', '/v1/functions', { name: 'node18', runtime: 'nodejs18.x' });
  assert.equal(refused.status, 400);
  assert.match(refused.json().error.message, /runtime "nodejs18\.x" is not available on this node; it has python3\.11, nodejs22\.x, nodejs24\.x/);
});

test('a CommonJS async handler on nodejs22.x: the result, Lambda\'s context members, console.log in the log; the second call is warm', async () => {
  await s.deploy('cjs', { 'index.js': CJS }, node('nodejs22.x', { memory: 256, timeout: 5, env: { GREETING: 'hi' } }));
  const first = await s.invoke('cjs', { name: 'Ada' });
  assert.equal(first.status, 200, first.body.toString());
  const out = first.json();
  assert.equal(out.message, 'Hello, Ada!');
  assert.match(out.node, /^v22\./, 'the image\'s Node.js 22 runs it');
  assert.equal(out.awsRequestId, first.headers.get('x-skyscale-request-id'));
  assert.equal(out.functionName, 'cjs');
  assert.equal(out.functionVersion, '1');
  assert.equal(out.memoryLimitInMB, '256');
  assert.match(out.invokedFunctionArn, /:function:cjs$/);
  assert.equal(out.logGroupName, '/skyscale/functions/cjs');
  assert.equal(typeof out.logStreamName, 'string');
  assert.ok(out.remaining > 0 && out.remaining <= 5000, String(out.remaining));
  assert.equal(out.waits, true);
  assert.equal(out.greeting, 'hi');
  assert.equal(out.cwd, '/var/task');
  assert.equal(out.uid, 65534, 'nobody');
  assert.equal(first.headers.get('x-skyscale-cold-start'), 'true');
  const rec = await record(first);
  assert.equal(rec.status, 'success');
  assert.match(rec.log, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[^\\t]+Z\\t${out.awsRequestId}\\tINFO\\thello Ada\\n$`));
  const second = await s.invoke('cjs', { name: 'Grace' });
  assert.equal(second.json().message, 'Hello, Grace!');
  assert.equal(second.headers.get('x-skyscale-cold-start'), 'false');
});

test('ES modules on nodejs24.x: export const handler in index.mjs, and in a .js under "type": "module"', async () => {
  await s.deploy('esm', { 'index.mjs': 'import { createHash } from "node:crypto";\nexport const handler = async (event) => ({ sha: createHash("sha256").update(event.text).digest("hex").slice(0, 8), node: process.version });\n' },
    node('nodejs24.x'));
  const res = await s.invoke('esm', { text: 'abc' });
  assert.deepEqual({ ...res.json(), node: res.json().node.split('.')[0] }, { sha: 'ba7816bf', node: 'v24' });
  await s.deploy('esm-js', { 'package.json': '{"type":"module"}', 'src/app.js': 'export async function handler(event) { return { esm: typeof require === "undefined", got: event.n }; }\n' },
    node('nodejs24.x', { handler: 'src/app.handler' }));
  assert.deepEqual((await s.invoke('esm-js', { n: 7 })).json(), { esm: true, got: 7 });
});

test('the callback form answers with what it is given', async () => {
  await s.deploy('callback', { 'index.js': 'exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { doubled: event.n * 2 }), 10); };\n' }, node('nodejs22.x'));
  assert.deepEqual((await s.invoke('callback', { n: 21 })).json(), { doubled: 42 });
});

test('a thrown error is {errorType, errorMessage, trace}, logged; the instance stays warm', async () => {
  await s.deploy('thrower', { 'index.mjs': 'class PaymentError extends Error {}\nexport const handler = async (event) => { if (event.fail) throw new PaymentError("card declined: " + event.fail); return "ok"; };\n' },
    node('nodejs22.x'));
  assert.equal((await s.invoke('thrower')).json(), 'ok');
  const res = await s.invoke('thrower', { fail: 42 });
  assert.equal(res.headers.get('x-skyscale-function-error'), 'Unhandled');
  const err = res.json();
  assert.equal(err.errorType, 'PaymentError');
  assert.equal(err.errorMessage, 'card declined: 42');
  assert.ok(Array.isArray(err.trace) && err.trace.some((l: string) => l.includes('/var/task/index.mjs')), JSON.stringify(err.trace));
  const rec = await record(res);
  assert.equal(rec.errorType, 'PaymentError');
  assert.match(rec.log, /\tERROR\tInvoke Error \t\{"errorType":"PaymentError"/);
  const next = await s.invoke('thrower');
  assert.equal(next.json(), 'ok');
  assert.equal(next.headers.get('x-skyscale-cold-start'), 'false');
});

test('init errors are clear: a missing handler, a syntax error', async () => {
  await s.deploy('no-handler', { 'index.js': 'exports.other = async () => 1;\n' }, node('nodejs22.x'));
  let res = await s.invoke('no-handler');
  assert.equal(res.headers.get('x-skyscale-function-error'), 'Unhandled');
  assert.equal(res.json().errorType, 'Runtime.HandlerNotFound');
  assert.match(res.json().errorMessage, /index\.handler is undefined or not exported/);
  await s.deploy('bad-syntax', { 'index.mjs': 'export const handler = async () => {\n' }, node('nodejs24.x'));
  res = await s.invoke('bad-syntax');
  assert.equal(res.json().errorType, 'Runtime.UserCodeSyntaxError');
  assert.match(res.json().errorMessage, /SyntaxError/);
});

test('a handler that never settles is stopped at its timeout and its sandbox replaced', async () => {
  await s.deploy('hang', { 'index.mjs': 'export const handler = async (event) => event.hang ? new Promise(() => setInterval(() => {}, 1000)) : "awake";\n' }, node('nodejs22.x', { timeout: 1 }));
  assert.equal((await s.invoke('hang')).json(), 'awake');
  const res = await s.invoke('hang', { hang: true });
  assert.equal(res.headers.get('x-skyscale-status'), 'timeout');
  assert.equal(res.json().errorType, 'Sandbox.Timedout');
  assert.match(res.json().errorMessage, /Task timed out after 1\.00 seconds/);
  const next = await s.invoke('hang');
  assert.equal(next.json(), 'awake');
  assert.equal(next.headers.get('x-skyscale-cold-start'), 'true');
});

test('an unhandled rejection during an invocation is its error', async () => {
  await s.deploy('rejecter', { 'index.js': 'exports.handler = async () => { Promise.reject(new Error("nobody caught me")); return new Promise(() => {}); };\n' }, node('nodejs22.x', { timeout: 5 }));
  const res = await s.invoke('rejecter');
  assert.equal(res.json().errorType, 'Runtime.UnhandledPromiseRejection');
  assert.equal(res.json().errorMessage, 'Error: nobody caught me');
});

test('once a nodejs24.x function is deployed, its pool class fills with prestarted sandboxes, and a first call takes one', async () => {
  const pooled = async () => ((await s.api('GET', '/v1/pool')).json().generic as { runtime: string; state: string; network: string }[])
    .filter((g) => g.runtime === 'node24' && g.state === 'ready' && g.network === 'outbound').length;
  await s.deploy('pooled', { 'index.mjs': 'export const handler = async () => ({ pid: process.pid, uptime: process.uptime() });\n' }, node('nodejs24.x'));
  await eventually(async () => (await pooled()) >= 1, 'a pre-warmed node24 sandbox', 60_000);
  // a second version drains the first's instances, so the next call is a cold start again
  await s.deploy('pooled', { 'index.mjs': 'export const handler = async () => ({ uptime: process.uptime(), v: 2 });\n' }, node('nodejs24.x'));
  await eventually(async () => (await pooled()) >= 1, 'the pool to refill', 60_000);
  const res = await s.invoke('pooled');
  assert.equal(res.json().v, 2);
  assert.equal(res.headers.get('x-skyscale-cold-start'), 'true');
  assert.equal(res.headers.get('x-skyscale-start'), 'pool');
  const generic = (await s.api('GET', '/v1/pool')).json().generic as { runtime: string; network: string }[];
  assert.equal(generic.filter((g) => g.runtime.startsWith('node') && g.network === 'none').length, 0,
    'no Node.js sandboxes pre-warmed for network: none, which no Node.js function here uses');
});
