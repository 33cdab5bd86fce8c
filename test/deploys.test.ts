// Deploys while the function is being invoked, on real sandboxes: new code and settings
// deployed again and again (several at once) while invocations run in parallel. Every
// invocation answers 200 with the code marker and the env marker of one and the same
// deploy, and every version holds one deploy's code with that deploy's env. Beside
// it, a function updated through the Lambda API (code, then configuration, without
// publishing: each update replaces the unpublished $LATEST and lets go of its code)
// while it is invoked answers 200 every time too.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizePackage } from '../src/registry/code-package.js';
import { CodeStore } from '../src/registry/code-store.js';
import { eventually, startTestServer, zipFiles, type TestServer } from './harness.js';

let s: TestServer;
before(async () => { s = await startTestServer({ SKYSCALE_WARM_POOL_SIZE: '2' }); });
after(async () => { await s?.stop(); });

const code = (mark: string) => ({
  'handler.py': `import os\nCODE = ${JSON.stringify(mark)}\n\ndef handler(event, context):\n    return {"code": CODE, "env": os.environ.get("MARK"), "version": context.function_version}\n`,
});

interface Answer { status: number; code?: string; env?: string; version?: string; body: string }

/**
 * Invokes `name` over and over, `parallel` at a time, until `done()` (then once more
 * each); `answers` fills as they come.
 */
function invokeUntil(name: string, parallel: number, done: () => boolean): { answers: Answer[]; finished: Promise<void> } {
  const answers: Answer[] = [];
  const loop = async () => {
    for (let last = false; !last;) {
      last = done();
      const res = await s.invoke(name, {});
      answers.push(answerOf(res.status, res.body, res.headers));
    }
  };
  return { answers, finished: Promise.all(Array.from({ length: parallel }, loop)).then(() => undefined) };
}

function answerOf(status: number, bytes: Buffer, headers: Headers): Answer {
  const body = bytes.toString('utf8');
  let out: { code?: string; env?: string } = {};
  try {
    out = JSON.parse(body) as typeof out;
  } catch {
    // not JSON: reported with its status
  }
  return { status, code: out.code, env: out.env, version: headers.get('x-skyscale-executed-version') ?? undefined, body: body.slice(0, 300) };
}

test('deploying new code and settings again and again, several at once, while invoking: no error, no mixed version', async () => {
  const first = 'd0';
  await s.deploy('storm', code(first), { env: { MARK: first }, timeout: 30 });
  const marks: string[] = [first];
  let deploying = true;
  const invoking = invokeUntil('storm', 6, () => !deploying);
  try {
    // waves of four concurrent deploys, each with its own code and env; the next wave
    // starts once the invocations run the newest deploy
    for (let wave = 0; wave < 8; wave++) {
      const wanted = Array.from({ length: 4 }, (_, i) => `w${wave}d${i}`);
      marks.push(...wanted);
      const versions = await Promise.all(wanted.map((m) => s.deploy('storm', code(m), { env: { MARK: m }, timeout: 30 })));
      const newest = String(Math.max(...versions));
      await eventually(() => invoking.answers.some((a) => a.version === newest), `an invocation of version ${newest}`, 60_000);
    }
  } finally {
    deploying = false;
  }
  await invoking.finished;
  const { answers } = invoking;

  const failed = answers.filter((a) => a.status !== 200);
  assert.deepEqual(failed, [], `${failed.length} of ${answers.length} invocations failed`);
  const mixed = answers.filter((a) => a.code !== a.env || !marks.includes(a.code!));
  assert.deepEqual(mixed, [], 'every answer is one deploy\'s code with that deploy\'s env');

  const listed = (await s.api('GET', '/v1/functions/storm/versions')).json().versions as { version: number; codeSha256: string; env: Record<string, string> }[];
  assert.equal(listed.length, marks.length);
  const shas = new Map(await Promise.all(marks.map(async (m) => [CodeStore.digest((await canonicalizePackage(await zipFiles(code(m)), 'handler.handler')).tar), m] as const)));
  const byVersion = new Map(listed.map((v) => [String(v.version), v.env.MARK]));
  for (const v of listed) assert.equal(shas.get(v.codeSha256), v.env.MARK, `version ${v.version} holds one deploy's code and env`);
  for (const a of answers) assert.equal(byVersion.get(a.version!), a.code, `the answer of version ${a.version} is that version's`);
  for (const v of listed) {
    const res = await s.invoke('storm', {}, `?version=${v.version}`);
    const a = answerOf(res.status, res.body, res.headers);
    assert.deepEqual([a.status, a.code, a.env], [200, v.env.MARK, v.env.MARK], `version ${v.version} runs one deploy's code with its env`);
  }
  const seen = new Set(answers.map((a) => a.code));
  console.log(`# storm: ${marks.length} deploys (${marks.length - 1} of them 4 at a time), ${answers.length} invocations while deploying, ${seen.size} deploys seen running, ${failed.length} errors; then each of the ${listed.length} versions invoked by number`);
});

test('updating code and configuration through the Lambda API while invoking: every invocation answers 200', async () => {
  const lambda = (method: string, path: string, body: object) => s.api(method, `/2015-03-31/functions${path}`, body, { 'content-type': 'application/json' });
  const zip = async (m: string) => (await zipFiles(code(m))).toString('base64');
  const created = await lambda('POST', '', { FunctionName: 'lam', Role: 'arn:aws:iam::123456789012:role/x', Runtime: 'python3.11', Handler: 'handler.handler', Code: { ZipFile: await zip('c0') }, Timeout: 30 });
  assert.equal(created.status, 201, created.body.toString());
  let updating = true;
  const invoking = invokeUntil('lam', 4, () => !updating);
  const ran = (mark: string) => invoking.answers.some((a) => a.code === mark);
  const codes = ['c0'];
  try {
    for (let i = 1; i <= 8; i++) {
      codes.push(`c${i}`);
      const updated = await lambda('PUT', '/lam/code', { ZipFile: await zip(`c${i}`) });
      assert.equal(updated.status, 200, updated.body.toString());
      const configured = await lambda('PUT', '/lam/configuration', { Environment: { Variables: { MARK: `c${i}` } } });
      assert.equal(configured.status, 200, configured.body.toString());
      await eventually(() => ran(`c${i}`), `an invocation of c${i}`, 60_000);
    }
  } finally {
    updating = false;
  }
  await invoking.finished;
  const { answers } = invoking;
  const failed = answers.filter((a) => a.status !== 200);
  assert.deepEqual(failed, [], `${failed.length} of ${answers.length} invocations failed`);
  assert.deepEqual(answers.filter((a) => !codes.includes(a.code!)), [], 'every answer comes from code that was deployed');
  console.log(`# lambda updates: 16 updates (8 of code, 8 of configuration), ${answers.length} invocations, ${failed.length} errors`);
});
