// The user's path end to end: the real bin/skyscale against a real server with real
// sandboxes — init, test, deploy, invoke, logs, list, info, delete, secrets — plus the
// seeds' noun-first spelling and the error exits.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { repoPath } from '../src/paths.js';
import { ADMIN_KEY, eventually, startTestServer, type TestServer } from './harness.js';

let s: TestServer;
let work: string;
before(async () => {
  s = await startTestServer();
  work = mkdtempSync(join(tmpdir(), 'skyscale-cli-'));
});
after(async () => {
  await s?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

function cli(args: string[], stdin?: string, env: Record<string, string> = {}, cwd = work): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(repoPath('bin/skyscale'), args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: work, SKYSCALE_ENDPOINT: s.url, SKYSCALE_API_KEY: ADMIN_KEY, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

test('init scaffolds handler.py, requirements.txt and skyscale.json', async () => {
  const r = await cli(['init', '--name', 'hello_fire']);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['handler.py', 'requirements.txt', 'skyscale.json']) assert.ok(existsSync(join(work, 'hello_fire', f)), f);
  const config = JSON.parse(readFileSync(join(work, 'hello_fire', 'skyscale.json'), 'utf8'));
  assert.deepEqual(config, { name: 'hello_fire', runtime: 'python3.11', handler: 'handler.handler', memory: 128, timeout: 3, env: {} });
  const again = await cli(['init', '--name', 'hello_fire']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
});

test('test runs the function locally without a server', async () => {
  const r = await cli(['test', '--name', 'hello_fire', '--payload', '{"name":"Ada"}']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).message, 'Hello, Ada!');
  assert.match(r.stderr, /hello Ada from hello_fire/);
});

test('deploy, invoke (inline, file and stdin payloads), logs, list and info', async () => {
  const d = await cli(['deploy', '--name', 'hello_fire']);
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stdout, /Deployed hello_fire version 1/);

  const inv = await cli(['invoke', '--name', 'hello_fire', '--payload', '{"name":"Ada"}']);
  assert.equal(inv.code, 0, inv.stderr);
  assert.equal(JSON.parse(inv.stdout).message, 'Hello, Ada!');
  assert.match(inv.stderr, /cold/);

  writeFileSync(join(work, 'event.json'), '{"name":"File"}');
  const fromFile = await cli(['invoke', 'hello_fire', '--payload-file', 'event.json', '--json']);
  assert.equal(fromFile.code, 0, fromFile.stderr);
  const j = JSON.parse(fromFile.stdout);
  assert.equal(j.payload.message, 'Hello, File!');
  assert.equal(j.cold, false);
  assert.equal(j.version, 1);

  const fromStdin = await cli(['invoke', '--name', 'hello_fire', '--payload', '-'], '{"name":"Stdin"}');
  assert.equal(JSON.parse(fromStdin.stdout).message, 'Hello, Stdin!');

  const logs = await cli(['logs', '--name', 'hello_fire']);
  assert.equal(logs.code, 0, logs.stderr);
  const order = ['hello Ada', 'hello File', 'hello Stdin'].map((l) => logs.stdout.indexOf(l));
  assert.ok(order.every((i) => i >= 0), logs.stdout);
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'oldest first');

  const list = await cli(['list']);
  assert.match(list.stdout, /hello_fire\s+python3\.11\s+1/);
  const info = await cli(['info', '--name', 'hello_fire', '--json']);
  assert.equal(JSON.parse(info.stdout).latest.version, 1);
  const pool = await cli(['pool']);
  assert.equal(pool.code, 0, pool.stderr);
  assert.match(pool.stdout, /warm instances: [1-9]/);
  assert.match(pool.stdout, /hello_fire\s+1\s+idle/);
  assert.match(pool.stdout, /idle sandboxes are frozen after [\d.]+ s \(cgroup-v[12]\)|idle sandboxes are not frozen/);
});

test('logs --follow prints invocations as they happen', async () => {
  const child = spawn(repoPath('bin/skyscale'), ['logs', '--name', 'hello_fire', '--follow', '--limit', '1'], {
    cwd: work, env: { PATH: process.env.PATH, HOME: work, SKYSCALE_ENDPOINT: s.url, SKYSCALE_API_KEY: ADMIN_KEY },
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  try {
    await eventually(() => out.includes('hello '), 'the newest invocation to be printed');
    assert.equal((await cli(['invoke', '--name', 'hello_fire', '--payload', '{"name":"Follower"}'])).code, 0);
    await eventually(() => out.includes('hello Follower'), 'the new invocation to be printed', 15_000);
  } finally {
    child.kill('SIGINT');
  }
});

test("the seeds' noun-first commands work: function create / deploy / invoke / logs / list", async () => {
  assert.equal((await cli(['function', 'create', '--name', 'hello-world', '--runtime', 'python3.8'])).code, 0);
  const dep = await cli(['function', 'deploy', '--name', 'hello-world']);
  assert.equal(dep.code, 0, dep.stderr);
  assert.match(dep.stderr, /warning: python3\.8 runs on Python 3\.11 here/, 'a stand-in runtime is said at deploy');
  assert.match((await cli(['info', '--name', 'hello-world'])).stdout, /runtime\s+python3\.8 \(python3\.8 runs on Python 3\.11 here\)/);
  const inv = await cli(['function', 'invoke', '--name', 'hello-world', '--payload', '{"name": "John"}']);
  assert.equal(JSON.parse(inv.stdout).message, 'Hello, John!');
  assert.match((await cli(['function', 'logs', '--name', 'hello-world'])).stdout, /hello John/);
  assert.match((await cli(['function', 'list'])).stdout, /hello-world\s+python3\.8/);
});

test('the seeds\' skyscale_config.json is read when it is the one present', async () => {
  const dir = join(work, 'legacy');
  await cli(['init', '--name', 'legacy']);
  rmSync(join(dir, 'skyscale.json'));
  writeFileSync(join(dir, 'skyscale_config.json'), JSON.stringify({ name: 'legacy', runtime: 'python3.9', handler: 'handler.handler', memory: 192, timeout: 4 }));
  assert.equal((await cli(['deploy', 'legacy'])).code, 0);
  const info = JSON.parse((await cli(['info', 'legacy', '--json'])).stdout);
  assert.equal(info.function.memory, 192);
  assert.equal(info.function.runtime, 'python3.9');
});

test('secrets written in skyscale.json or taken from the environment with --secret reach the function; reads mask them; the data dir holds no plaintext', async () => {
  const dir = join(work, 'vault');
  assert.equal((await cli(['init', '--name', 'vault'])).code, 0);
  writeFileSync(join(dir, 'handler.py'), 'import os\n\ndef handler(event, context):\n    return {k: os.environ.get(k) for k in ("PLAIN", "FROM_FILE", "FROM_ENV")}\n');
  writeFileSync(join(dir, 'skyscale.json'), JSON.stringify({ name: 'vault', env: { PLAIN: 'p', FROM_FILE: { secret: 'file-secret-5e1f' } } }));
  const local = await cli(['test', 'vault']);
  assert.equal(local.code, 0, local.stderr);
  assert.deepEqual(JSON.parse(local.stdout), { PLAIN: 'p', FROM_FILE: 'file-secret-5e1f', FROM_ENV: null }, 'a local run gets the values as written');

  const unset = await cli(['deploy', 'vault', '--secret', 'FROM_ENV']);
  assert.equal(unset.code, 1);
  assert.match(unset.stderr, /FROM_ENV is not set in this environment/);
  const d = await cli(['deploy', 'vault', '--secret', 'FROM_ENV'], undefined, { FROM_ENV: 'env-secret-77aa' });
  assert.equal(d.code, 0, d.stderr);
  const inv = await cli(['invoke', 'vault']);
  assert.deepEqual(JSON.parse(inv.stdout), { PLAIN: 'p', FROM_FILE: 'file-secret-5e1f', FROM_ENV: 'env-secret-77aa' }, 'the function sees the real values');

  const info = await cli(['info', 'vault']);
  assert.match(info.stdout, /env\s+PLAIN, FROM_FILE \(secret\), FROM_ENV \(secret\)/);
  const json = await cli(['info', 'vault', '--json']);
  assert.deepEqual(JSON.parse(json.stdout).function.env, { PLAIN: 'p', FROM_FILE: { secret: '********' }, FROM_ENV: { secret: '********' } });
  const versions = await cli(['versions', 'vault', '--json']);
  for (const out of [info.stdout, json.stdout, versions.stdout, (await cli(['list', '--json'])).stdout]) {
    assert.ok(!out.includes('file-secret-5e1f') && !out.includes('env-secret-77aa'), out);
  }
  const files = (d: string): Buffer[] => readdirSync(d).map((n) => join(d, n)).flatMap((p) => {
    const st = statSync(p);
    return st.isDirectory() ? files(p) : st.isFile() ? [readFileSync(p)] : []; // sandboxes' sockets are neither
  });
  assert.ok(files(s.dataDir).every((b) => !b.includes('file-secret-5e1f') && !b.includes('env-secret-77aa')), 'no plaintext in the database, its WAL or the code store');
});

test('Node.js: init --runtime nodejs22.x scaffolds index.mjs and package.json; test runs it locally; deploy and invoke; runtimes lists it', async () => {
  const r = await cli(['init', '--name', 'hello_node', '--runtime', 'nodejs22.x']);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['index.mjs', 'package.json', 'skyscale.json']) assert.ok(existsSync(join(work, 'hello_node', f)), f);
  assert.equal(existsSync(join(work, 'hello_node', 'handler.py')), false);
  const config = JSON.parse(readFileSync(join(work, 'hello_node', 'skyscale.json'), 'utf8'));
  assert.deepEqual(config, { name: 'hello_node', runtime: 'nodejs22.x', handler: 'index.handler', memory: 128, timeout: 3, env: {} });
  // a dependency in node_modules (as `npm install` leaves it) travels in the package
  mkdirSync(join(work, 'hello_node', 'node_modules', 'shout'), { recursive: true });
  writeFileSync(join(work, 'hello_node', 'node_modules', 'shout', 'package.json'), '{"name":"shout","version":"1.0.0","main":"index.js"}');
  writeFileSync(join(work, 'hello_node', 'node_modules', 'shout', 'index.js'), 'module.exports = (s) => s.toUpperCase() + "!";\n');
  const scaffolded = readFileSync(join(work, 'hello_node', 'index.mjs'), 'utf8');
  writeFileSync(join(work, 'hello_node', 'index.mjs'), `import shout from 'shout';\n${scaffolded.replace('return { message:', 'return { shouted: shout(name), message:')}`);
  // the local run uses the sandbox image's own Node.js (its /opt/node22)
  const local = await cli(['test', '--name', 'hello_node', '--payload', '{"name":"Ada"}'], undefined, { SKYSCALE_ROOTFS: loadConfig(process.env).rootfs });
  assert.equal(local.code, 0, local.stderr);
  assert.equal(JSON.parse(local.stdout).message, 'Hello, Ada!');
  assert.equal(JSON.parse(local.stdout).shouted, 'ADA!');
  assert.match(local.stderr, /\tINFO\thello Ada from hello_node/);
  const d = await cli(['deploy', '--name', 'hello_node']);
  assert.equal(d.code, 0, d.stderr);
  assert.doesNotMatch(d.stderr, /warning/);
  const inv = await cli(['invoke', '--name', 'hello_node', '--payload', '{"name":"Grace"}']);
  assert.equal(JSON.parse(inv.stdout).message, 'Hello, Grace!');
  assert.equal(JSON.parse(inv.stdout).shouted, 'GRACE!', 'node_modules was deployed with the code');
  const runtimes = await cli(['runtimes']);
  assert.equal(runtimes.code, 0, runtimes.stderr);
  assert.match(runtimes.stdout, /nodejs22\.x\s+Node\.js\s+22\.\d+\.\d+/);
  assert.match(runtimes.stdout, /python3\.8\s+Python\s+3\.11\.\d+\s+python3\.8 runs on Python 3\.11 here/);
  const bad = await cli(['init', '--name', 'old_node', '--runtime', 'nodejs18.x']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /runtime must be one of python3\.11, nodejs22\.x, nodejs24\.x/);
});

test('a failing handler exits 1 and prints its error; --json prints the error object', async () => {
  writeFileSync(join(work, 'hello_fire', 'handler.py'), 'def handler(event, context):\n    raise RuntimeError("boom")\n');
  assert.equal((await cli(['deploy', '--name', 'hello_fire'])).code, 0);
  const r = await cli(['invoke', '--name', 'hello_fire']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /RuntimeError: boom/);
  const j = await cli(['invoke', '--name', 'hello_fire', '--json']);
  assert.equal(j.code, 1);
  assert.equal(JSON.parse(j.stdout).payload.errorType, 'RuntimeError');
});

test('errors are one clear line plus a hint, or a JSON object with --json', async () => {
  const missing = await cli(['invoke', '--name', 'nope']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: function "nope" does not exist\n  hint: /);
  const json = await cli(['info', '--name', 'nope', '--json']);
  assert.equal(JSON.parse(json.stdout).error.type, 'FunctionNotFound');
  const badPayload = await cli(['invoke', '--name', 'hello_fire', '--payload', '{oops']);
  assert.match(badPayload.stderr, /not valid JSON/);
  const unknown = await cli(['frobnicate']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown command/);
  const deleted = await cli(['delete', '--name', 'hello_fire']);
  assert.equal(deleted.code, 0);
  assert.equal((await cli(['info', 'hello_fire'])).code, 1);
});

test('a second server on a data directory in use is refused, and the first keeps serving', async () => {
  const second = await cli(['server', '--data-dir', s.dataDir, '--port', '0']);
  assert.equal(second.code, 1);
  assert.match(second.stderr, new RegExp(`error: another Skyscale server \\(pid ${process.pid}\\) is using the data directory`));
  assert.match(second.stderr, /hint: stop that server first, or give this one its own data directory/);
  assert.equal((await s.api('GET', '/healthz')).status, 200);
});

test('a server told to stop while it is starting stops once started, leaving no sandbox and no lock behind', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-stop-'));
  try {
    const child = spawn(repoPath('bin/skyscale'), ['server', '--data-dir', dataDir, '--port', '0', '--warm-pool-size', '2'], {
      // the machine's HOME: the cache setup filled (runsc, the root filesystem) is found under it
      cwd: work, env: { PATH: process.env.PATH, HOME: process.env.HOME ?? work, SKYSCALE_SANDBOX: process.env.SKYSCALE_TEST_SANDBOX ?? 'gvisor' },
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // its first log line: the start is under way (the signal handlers are in place before it)
    const started = await Promise.race([new Promise((resolve) => child.stdout.once('data', () => resolve(true))), exited.then(() => false)]);
    assert.equal(started, true, `the server failed to start: ${stderr}`);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /stopping: tearing down sandboxes/);
    assert.equal(existsSync(join(dataDir, 'server.pid')), false, 'the lock is released');
    const runsc = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dataDir); } catch { return false; }
    });
    assert.deepEqual(runsc, [], 'no process of its sandboxes is left');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("in a function's folder the commands need no name: deploy, invoke and info take the one its skyscale.json names", async () => {
  assert.equal((await cli(['init', '--name', 'here_fn'])).code, 0);
  const folder = join(work, 'here_fn');
  const deployed = await cli(['deploy'], undefined, {}, folder);
  assert.equal(deployed.code, 0, deployed.stderr);
  assert.match(deployed.stdout, /Deployed here_fn version 1/);
  const invoked = await cli(['invoke', '--payload', '{"name": "here"}'], undefined, {}, folder);
  assert.equal(invoked.code, 0, invoked.stderr);
  assert.equal((await cli(['info', '--json'], undefined, {}, folder)).code, 0);
  const nowhere = await cli(['invoke']);
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.stderr, /a function name is required[\s\S]*or run it in the function's folder/);
});
