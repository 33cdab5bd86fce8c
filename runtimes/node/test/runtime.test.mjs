import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { FakeAgent, taskRoot } from './harness.mjs';

let agent;
afterEach(async () => { await agent?.stop(); agent = undefined; });

async function started(files, handler, opts = {}) {
  agent = new FakeAgent({ dir: taskRoot(files), handler, ...opts });
  if (opts.prestart) {
    assert.equal((await agent.frame()).header.type, 'prestarted');
    agent.send({ type: 'assignment', handler, taskRoot: agent.fnEnv.LAMBDA_TASK_ROOT, env: agent.fnEnv, rlimitAsBytes: 0 });
  }
  return agent;
}

async function ready(files, handler, opts) {
  const a = await started(files, handler, opts);
  assert.deepEqual((await a.frame()).header, { type: 'next' });
  return a;
}

test('a CommonJS async handler gets the event and its result is the response', async () => {
  const a = await ready({ 'index.js': 'exports.handler = async (event) => ({ got: event.n * 2 });' }, 'index.handler');
  const r = await a.invoke({ n: 21 });
  assert.equal(r.header.type, 'response');
  assert.equal(r.header.requestId, r.requestId);
  assert.ok(r.header.maxRssKb > 0);
  assert.deepEqual(r.body, { got: 42 });
});

test('an ES module handler in .mjs, and in .js under "type": "module", in a subfolder', async () => {
  let a = await ready({ 'index.mjs': 'export const handler = async () => "esm";' }, 'index.handler');
  assert.equal((await a.invoke({})).body, 'esm');
  await a.stop();
  a = await ready({ 'package.json': '{"type":"module"}', 'src/app.js': 'import { sep } from "node:path";\nexport async function handler() { return { sep }; }' }, 'src/app.handler');
  agent = a;
  assert.deepEqual((await a.invoke({})).body, { sep: '/' });
});

test('the callback form answers with what the callback was given, also after a timer', async () => {
  const a = await ready({ 'index.js': 'exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { later: event.v }), 20); };' }, 'index.handler');
  assert.deepEqual((await a.invoke({ v: 'x' })).body, { later: 'x' });
  assert.deepEqual((await a.invoke({ v: 'y' })).body, { later: 'y' }, 'a warm second call');
});

test('callbackWaitsForEmptyEventLoop: the answer waits for the handler\'s timers unless set false', async () => {
  const code = `let n = 0;
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = event.wait;
  setTimeout(() => { n += 1; }, 100);
  callback(null, n);
};
exports.count = async () => n;`;
  const a = await ready({ 'index.js': code }, 'index.handler');
  assert.equal((await a.invoke({ wait: true })).body, 0);
  // the timer ran before that answer went out, so it counts now
  assert.equal((await a.invoke({ wait: false })).body, 1);
});

test('context has the members of Lambda\'s', async () => {
  const code = `exports.handler = async (event, context) => ({
    awsRequestId: context.awsRequestId, functionName: context.functionName, functionVersion: context.functionVersion,
    memoryLimitInMB: context.memoryLimitInMB, invokedFunctionArn: context.invokedFunctionArn, logGroupName: context.logGroupName,
    logStreamName: context.logStreamName, remaining: context.getRemainingTimeInMillis(), waits: context.callbackWaitsForEmptyEventLoop,
    clientContext: context.clientContext, cwd: process.cwd(), pipeVar: process.env.SKYSCALE_RUNTIME_PIPE ?? null, trace: process.env._X_AMZN_TRACE_ID,
    childFds: require('node:child_process').execFileSync('sh', ['-c', 'readlink /proc/$$/fd/3 /proc/$$/fd/4 2>/dev/null; true'], { encoding: 'utf8' }),
  });`;
  const a = await ready({ 'index.js': code }, 'index.handler');
  const r = await a.invoke({}, { deadlineMs: Date.now() + 4000, clientContext: '{"custom":{"k":"v"}}' });
  assert.equal(r.body.awsRequestId, r.requestId);
  assert.equal(r.body.functionName, 'fn');
  assert.equal(r.body.functionVersion, '7');
  assert.equal(r.body.memoryLimitInMB, '256');
  assert.equal(r.body.invokedFunctionArn, 'arn:aws:lambda:local:000000000000:function:fn:live');
  assert.equal(r.body.logGroupName, '/aws/lambda/fn');
  assert.equal(r.body.logStreamName, '2026/12/02/[7]abc');
  assert.ok(r.body.remaining > 0 && r.body.remaining <= 4000, String(r.body.remaining));
  assert.equal(r.body.waits, true);
  assert.deepEqual(r.body.clientContext, { custom: { k: 'v' } });
  assert.equal(r.body.cwd, a.fnEnv.LAMBDA_TASK_ROOT);
  assert.equal(r.body.pipeVar, null);
  assert.equal(r.body.trace, 'Root=1-abc');
  assert.equal(r.body.childFds, '', 'a process the handler starts does not inherit the runtime\'s channel (fds 3 and 4)');
});

test('a thrown error is {errorType, errorMessage, trace}, logged, and the runtime keeps serving', async () => {
  const code = `class PaymentError extends Error {}
exports.handler = async (event) => { if (event.fail) throw new PaymentError('card declined'); return 'fine'; };`;
  const a = await ready({ 'index.js': code }, 'index.handler');
  const r = await a.invoke({ fail: true });
  assert.equal(r.header.type, 'error');
  assert.equal(r.header.errorType, 'PaymentError');
  assert.equal(r.body.errorType, 'PaymentError');
  assert.equal(r.body.errorMessage, 'card declined');
  assert.ok(Array.isArray(r.body.trace) && r.body.trace[0].includes('card declined'), JSON.stringify(r.body.trace));
  assert.match(a.out, /\tERROR\tInvoke Error \t\{"errorType":"PaymentError"/);
  assert.equal((await a.invoke({})).body, 'fine');
});

test('a callback error, and a string given to the callback', async () => {
  const code = `exports.cb = (e, c, callback) => callback(new TypeError('bad type'));
exports.str = (e, c, callback) => callback('plain words');`;
  let a = await ready({ 'index.js': code }, 'index.cb');
  let r = await a.invoke({});
  assert.deepEqual([r.body.errorType, r.body.errorMessage], ['TypeError', 'bad type']);
  await a.stop();
  agent = a = await ready({ 'index.js': code }, 'index.str');
  r = await a.invoke({});
  assert.deepEqual([r.body.errorType, r.body.errorMessage], ['string', 'plain words']);
});

test('an uncaught exception and an unhandled rejection during an invocation are its error', async () => {
  const code = `exports.handler = async (event) => {
  if (event.kind === 'throw') setTimeout(() => { throw new RangeError('from a timer'); }, 5);
  if (event.kind === 'reject') Promise.reject(new Error('nobody caught me'));
  return new Promise(() => {});
};`;
  const a = await ready({ 'index.js': code }, 'index.handler');
  let r = await a.invoke({ kind: 'throw' });
  assert.deepEqual([r.header.type, r.body.errorType, r.body.errorMessage], ['error', 'RangeError', 'from a timer']);
  r = await a.invoke({ kind: 'reject' });
  assert.deepEqual([r.body.errorType, r.body.errorMessage], ['Runtime.UnhandledPromiseRejection', 'Error: nobody caught me']);
});

test('console output is in the log with the request id and level, before the end marker', async () => {
  const a = await ready({ 'index.mjs': 'export const handler = async () => { console.log("hello %s", "there"); console.error("oops"); return 1; };' }, 'index.handler');
  const r = await a.invoke({});
  const deadline = Date.now() + 5000;
  // stdout and stderr are two pipes here (the agent gives both one): wait for both
  while (!(a.out.includes(`SKYSCALE-END ${r.requestId}`) && a.out.includes('oops')) && Date.now() < deadline) await new Promise((s) => setTimeout(s, 20));
  const at = (s) => a.out.indexOf(s);
  assert.match(a.out, new RegExp(`\\d{4}-\\d\\d-\\d\\dT[^\\t]+Z\\t${r.requestId}\\tINFO\\thello there\\n`));
  assert.match(a.out, new RegExp(`\\t${r.requestId}\\tERROR\\toops\\n`));
  assert.ok(at('hello there') < at(`\x1eSKYSCALE-END ${r.requestId}\n`));
});

test('init errors keep Lambda\'s types: module, handler, syntax, handler name', async () => {
  const cases = [
    [{ 'index.js': 'exports.other = 1;' }, 'missing.handler', 'Runtime.ImportModuleError', /Cannot find module 'missing'/],
    [{ 'index.js': 'exports.other = 1;' }, 'index.handler', 'Runtime.HandlerNotFound', /index\.handler is undefined or not exported/],
    [{ 'index.mjs': 'export const handler = async () => {' }, 'index.handler', 'Runtime.UserCodeSyntaxError', /SyntaxError/],
    [{ 'index.js': 'require("left-pad");' }, 'index.handler', 'Runtime.ImportModuleError', /left-pad/],
    [{ 'index.js': '' }, 'index', 'Runtime.MalformedHandlerName', /Bad handler/],
    [{ 'index.js': 'throw new Error("init went wrong");' }, 'index.handler', 'Error', /init went wrong/],
  ];
  for (const [files, handler, type, message] of cases) {
    agent = await started(files, handler);
    const f = await agent.frame();
    assert.equal(f.header.type, 'init_error', handler);
    assert.equal(f.header.errorType, type, `${handler}: ${f.body}`);
    const body = JSON.parse(f.body.toString('utf8'));
    assert.equal(body.errorType, type);
    assert.match(body.errorMessage, message);
    assert.ok(Array.isArray(body.trace));
    assert.equal((await agent.exited).code, 1);
    agent = undefined;
  }
});

test('prestarted: says so, takes its function from the assignment with nothing of the generic environment left', async () => {
  const a = await started({ 'index.js': 'exports.handler = async () => ({ prestart: process.env.SKYSCALE_PRESTART ?? null, name: process.env.AWS_LAMBDA_FUNCTION_NAME, cwd: process.cwd() });' },
    'index.handler', { prestart: true });
  assert.deepEqual((await a.frame()).header, { type: 'next' });
  const r = await a.invoke({});
  assert.deepEqual(r.body, { prestart: null, name: 'fn', cwd: a.fnEnv.LAMBDA_TASK_ROOT });
});

test('an event that is not JSON is Runtime.UnmarshalError; an empty one is {}', async () => {
  const a = await ready({ 'index.js': 'exports.handler = async (e) => e;' }, 'index.handler');
  assert.equal((await a.invoke('{nope')).body.errorType, 'Runtime.UnmarshalError');
  assert.deepEqual((await a.invoke('')).body, {});
});

test('the runtime exits when the agent goes away (its pipes and output closed), between invocations and during one', async () => {
  for (const during of [false, true]) {
    const a = await ready({ 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 300)); console.log("after the agent left"); console.error("again"); return 1; };' }, 'index.handler');
    if (during) a.send({ type: 'invoke', requestId: 'r', deadlineMs: Date.now() + 5000, invokedFunctionArn: 'x', traceId: '' }, Buffer.from('{}'));
    for (const s of [a.child.stdio[3], a.child.stdio[4], a.child.stdout, a.child.stderr]) s.destroy();
    const exit = await Promise.race([a.exited, new Promise((r) => setTimeout(() => r('still running'), 5000))]);
    assert.notEqual(exit, 'still running', during ? 'during an invocation' : 'between invocations');
    agent = undefined;
  }
});
