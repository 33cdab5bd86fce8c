// Handlers that raise, hang, crash, exhaust memory or print megabytes: each gets a
// specific error, the sandbox is replaced when it must be, and the next call works.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Engine, engineSocket } from '../src/sandbox/docker/engine.js';
import { eventually, startTestServer, testSandbox, type TestServer } from './harness.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s?.stop(); });

test('a handler that raises gives its error type, message and stack; the instance stays warm', async () => {
  await s.deploy('raiser', { 'handler.py': 'def handler(event, context):\n    if event.get("fail"):\n        raise ValueError("bad input: " + str(event["fail"]))\n    return "ok"\n' });
  const res = await s.invoke('raiser', { fail: 42 });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-skyscale-function-error'), 'Unhandled');
  const err = res.json();
  assert.equal(err.errorType, 'ValueError');
  assert.equal(err.errorMessage, 'bad input: 42');
  assert.ok(Array.isArray(err.stackTrace) && err.stackTrace.some((l: string) => l.includes('handler.py')));
  const record = (await s.api('GET', `/v1/invocations/${res.headers.get('x-skyscale-request-id')}`)).json().invocation;
  assert.equal(record.status, 'error');
  assert.equal(record.errorType, 'ValueError');
  assert.match(record.log, /ValueError/);
  const next = await s.invoke('raiser', {});
  assert.equal(next.json(), 'ok');
  assert.equal(next.headers.get('x-skyscale-cold-start'), 'false');
});

test('a handler that hangs is stopped at its timeout and its sandbox replaced', async () => {
  await s.deploy('sleeper', { 'handler.py': 'import time\n\ndef handler(event, context):\n    if event.get("sleep"):\n        time.sleep(60)\n    return "awake"\n' }, { timeout: 1 });
  assert.equal((await s.invoke('sleeper')).json(), 'awake');
  const res = await s.invoke('sleeper', { sleep: true });
  assert.equal(res.headers.get('x-skyscale-function-error'), 'Unhandled');
  assert.equal(res.headers.get('x-skyscale-status'), 'timeout');
  assert.equal(res.json().errorType, 'Sandbox.Timedout');
  assert.match(res.json().errorMessage, /Task timed out after 1\.00 seconds/);
  const next = await s.invoke('sleeper');
  assert.equal(next.json(), 'awake');
  assert.equal(next.headers.get('x-skyscale-cold-start'), 'true', 'a fresh sandbox served the next call');
});

test('megabytes of output are capped with a visible truncation marker', async () => {
  await s.deploy('chatty', { 'handler.py': 'import sys\n\ndef handler(event, context):\n    for i in range(20000):\n        print("line %06d %s" % (i, "x" * 100))\n    return "done"\n' }, { timeout: 60 });
  const res = await s.invoke('chatty');
  assert.equal(res.json(), 'done');
  const record = (await s.api('GET', `/v1/invocations/${res.headers.get('x-skyscale-request-id')}`)).json().invocation;
  assert.equal(record.logTruncated, true);
  assert.match(record.log, /^line 000000 /);
  assert.match(record.log, /\[skyscale\] log truncated: \d+ bytes dropped/);
  assert.ok(Buffer.byteLength(record.log) < 300 * 1024, `log kept small (${Buffer.byteLength(record.log)} bytes)`);
  assert.equal((await s.invoke('chatty')).status, 200);
});

test('a handler that exhausts its memory gets a MemoryError, and the function keeps working', async () => {
  await s.deploy('hog', { 'handler.py': 'def handler(event, context):\n    if event.get("hog"):\n        blocks = [bytearray(64 * 1024 * 1024) for _ in range(64)]\n        return len(blocks)\n    return "small"\n' }, { memory: 128 });
  const res = await s.invoke('hog', { hog: true });
  assert.equal(res.headers.get('x-skyscale-function-error'), 'Unhandled');
  assert.match(res.json().errorType, /MemoryError|Runtime\.(ExitError|OutOfMemory)/);
  assert.equal((await s.invoke('hog')).json(), 'small');
});

test('a module that fails to import reports Runtime.ImportModuleError', async () => {
  await s.deploy('broken', { 'handler.py': 'import not_a_module_anywhere\n\ndef handler(e, c):\n    return 1\n' });
  const res = await s.invoke('broken');
  assert.equal(res.headers.get('x-skyscale-function-error'), 'Unhandled');
  assert.equal(res.json().errorType, 'Runtime.ImportModuleError');
  assert.match(res.json().errorMessage, /not_a_module_anywhere/);
});

test('a runtime that exits mid-invocation is a Runtime.ExitError; the next call works', async () => {
  await s.deploy('quitter', { 'handler.py': 'import os\n\ndef handler(event, context):\n    if event.get("exit"):\n        os._exit(42)\n    return "alive"\n' });
  const res = await s.invoke('quitter', { exit: true });
  assert.equal(res.json().errorType, 'Runtime.ExitError');
  assert.match(res.json().errorMessage, /exit status 42/);
  assert.equal((await s.invoke('quitter')).json(), 'alive');
});

/** Kills a sandbox from outside the server: runsc's kill for gVisor, the engine's for a container. */
async function killFromOutside(id: string): Promise<void> {
  if (testSandbox().startsWith('docker')) await new Engine(engineSocket(process.env.DOCKER_HOST).socketPath!).kill(`skyscale-${id}`);
  else execFileSync(s.driver.describe().runsc as string, [`--root=${join(s.dataDir, 'gvisor', 'runsc')}`, 'kill', '--all', id, 'KILL']);
}

test('a sandbox killed from outside fails only the invocation it was serving', { skip: !['gvisor', 'docker', 'docker-runsc'].includes(testSandbox()) ? 'needs gVisor or Docker' : false }, async () => {
  await s.deploy('victim', { 'handler.py': 'import time\n\ndef handler(event, context):\n    if event.get("wait"):\n        time.sleep(5)\n    return "fine"\n' }, { timeout: 10 });
  assert.equal((await s.invoke('victim')).json(), 'fine');
  const pending = s.invoke('victim', { wait: true });
  const instance = await eventually(async () => {
    const pool = (await s.api('GET', '/v1/pool')).json().instances as { id: string; function: string; state: string }[];
    return pool.find((i) => i.function === 'victim' && i.state === 'busy');
  }, 'the busy instance');
  await killFromOutside(instance!.id);
  const res = await pending;
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-skyscale-function-error'), 'Unhandled');
  assert.equal(res.json().errorType, 'Runtime.ExitError');
  const next = await s.invoke('victim');
  assert.equal(next.json(), 'fine');
});
