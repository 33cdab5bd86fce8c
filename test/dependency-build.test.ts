// Dependencies built on the server, on gVisor: a Python function with a native-wheel
// dependency (markupsafe's C speedups) installed by the image's pip; a Node.js function
// with a dependency from package.json and its lock, installed by npm ci; the second
// deploy with the same requirements comes from the cache; a requirements file that
// cannot install fails the deploy with pip's own lines while the previous version keeps
// answering; a build over its time limit is a clear timeout; the build sandbox reaches
// the package indexes but not the control plane's port or a private-range test host
// (both tried as a pip index, so pip itself reports the refused connection). Traffic:
// loopback, the test hosts of net-hosts.ts, and the real package indexes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { startTestServer, zipFiles, type TestServer } from './harness.js';
import { createTestHosts, type TestHosts } from './net-hosts.js';

let s: TestServer;
let hosts: TestHosts;

before(async () => {
  hosts = await createTestHosts();
  s = await startTestServer({ SKYSCALE_HOST: '0.0.0.0', SKYSCALE_BUILD_TIMEOUT_S: '240', SKYSCALE_SANDBOX_NETWORK: '10.214.0.0/20' });
});

after(async () => {
  await s?.stop();
  await hosts?.close();
});

async function deployRaw(name: string, files: Record<string, string>, settings: Record<string, unknown> = {}): Promise<{ status: number; json: () => any }> {
  return s.api('POST', `/v1/functions/${name}/versions`, await zipFiles(files), {
    'content-type': 'application/zip', 'skyscale-settings': JSON.stringify({ handler: 'handler.handler', ...settings }),
  });
}

const MARKUP = `
import markupsafe, markupsafe._speedups
def handler(event, context):
    return {"escaped": str(markupsafe.escape(event["text"])), "native": markupsafe._speedups.__file__.endswith(".so")}
`;

test('a Python dependency with a native extension is built on the server, loads in the sandbox, and the next deploy takes it from the cache', async () => {
  const first = await deployRaw('py-deps', { 'handler.py': MARKUP, 'requirements.txt': 'markupsafe==2.1.5\n' }, { network: 'none' });
  assert.equal(first.status, 201, JSON.stringify(first.json()));
  assert.equal(first.json().build.cached, false);
  assert.match(first.json().build.log, /Successfully installed markupsafe-2\.1\.5/i);
  const out = await s.invoke('py-deps', { text: '<b>&</b>' });
  assert.equal(out.status, 200, out.body.toString());
  assert.deepEqual(out.json(), { escaped: '&lt;b&gt;&amp;&lt;/b&gt;', native: true });
  assert.equal(readdirSync(join(s.dataDir, 'build-cache')).filter((f) => f.endsWith('.tar.gz')).length, 1);

  const second = await deployRaw('py-deps', { 'handler.py': MARKUP.replace('escaped', 'safe'), 'requirements.txt': 'markupsafe==2.1.5\n' }, { network: 'none' });
  assert.equal(second.status, 201);
  assert.equal(second.json().build.cached, true, 'the same requirements: no second build');
  assert.equal((await s.invoke('py-deps', { text: '<' })).json().safe, '&lt;');
});

test('a failing requirements file fails the deploy with pip\'s lines, and the previous version keeps answering', async () => {
  await s.deploy('py-keep', { 'handler.py': 'def handler(e, c):\n    return "v1"\n' }, { network: 'none' });
  const bad = await deployRaw('py-keep', { 'handler.py': 'def handler(e, c):\n    return "v2"\n', 'requirements.txt': 'skyscale-no-such-package-7f3a==1.0\n' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json().error.type, 'DependencyBuildFailed');
  assert.match(bad.json().error.message, /No matching distribution found for skyscale-no-such-package-7f3a/);
  assert.equal((await s.invoke('py-keep')).json(), 'v1');
  const versions = (await s.api('GET', '/v1/functions/py-keep/versions')).json().versions;
  assert.equal(versions.length, 1, 'nothing was stored');
});

/** The host's own IPv4 addresses, but the links of sandboxes and test hosts. */
function hostAddresses(): string[] {
  return Object.entries(networkInterfaces()).filter(([name]) => !name.startsWith('skyh') && !name.startsWith('skyt'))
    .flatMap(([, addrs]) => (addrs ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address));
}

test('the build sandbox cannot reach the control plane, a private-range host or any host but the package indexes', async () => {
  const port = new URL(s.url).port;
  const controlPlane = hostAddresses().map((a) => `http://${a}:${port}/simple`);
  assert.ok(controlPlane.length > 0);
  for (const index of [`http://${hosts.private.address}/simple`, `http://${hosts.internet.address}/simple`, ...controlPlane]) {
    const res = await deployRaw('py-walled', { 'handler.py': 'def handler(e, c):\n    return 1\n', 'requirements.txt': `--index-url ${index}\n--trusted-host ${new URL(index).hostname}\nsix==1.16.0\n` });
    assert.equal(res.status, 400, index);
    const message = res.json().error.message as string;
    assert.equal(res.json().error.type, 'DependencyBuildFailed', message);
    assert.match(message, /Connection refused|NewConnectionError|Failed to establish|No route|Network is unreachable|timed out/i, `${index}: ${message}`);
  }
});

test('a Node.js dependency from package.json and its lock is installed by npm ci on the server', async () => {
  const pkg = JSON.stringify({ name: 'fn', version: '1.0.0', dependencies: { ms: '2.1.3' } });
  const lock = JSON.stringify({
    name: 'fn', version: '1.0.0', lockfileVersion: 3, requires: true,
    packages: {
      '': { name: 'fn', version: '1.0.0', dependencies: { ms: '2.1.3' } },
      'node_modules/ms': { version: '2.1.3', resolved: 'https://registry.npmjs.org/ms/-/ms-2.1.3.tgz', integrity: 'sha512-6FlzubTLZG3J2a/NVCAleEhjzq5oxgHyaCU9yYXvcLsvoVaHJq/s5xXI6/XXP6tz7R9xAOtHnSO/tXtF3WRTlA==' },
    },
  });
  const res = await deployRaw('node-deps', { 'index.mjs': "import ms from 'ms';\nexport const handler = async () => ms(90000);\n", 'package.json': pkg, 'package-lock.json': lock }, { runtime: 'nodejs22.x', handler: 'index.handler', network: 'none' });
  assert.equal(res.status, 201, JSON.stringify(res.json()));
  assert.match(res.json().build.log, /\$ npm ci --omit=dev\n[^]*added 1 package/);
  const out = await s.invoke('node-deps');
  assert.equal(out.status, 200, out.body.toString());
  assert.equal(out.json(), '2m');
});

const SILENT_INDEX = `
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8081)); s.listen(16)
print("listening", flush=True)
held = []
while True:
    c, _ = s.accept(); held.append(c)
`;

test('a build over its time limit fails with a clear timeout (a private index configured as a build host that never answers)', async () => {
  // the private test host, opened to builds as a private index would be, accepts and never answers
  const silent = spawn('ip', ['netns', 'exec', `skytest-${(process.pid % 10000).toString(36)}-private`, '/usr/bin/python3', '-c', SILENT_INDEX, hosts.private.address], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  silent.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  await new Promise<void>((resolve, reject) => { silent.stdout!.once('data', () => resolve()); silent.once('exit', (c) => reject(new Error(`the silent index exited (${c}): ${stderr}`))); });
  const slow = await startTestServer({ SKYSCALE_SANDBOX_NETWORK: '10.214.16.0/20', SKYSCALE_BUILD_TIMEOUT_S: '8', SKYSCALE_BUILD_HOSTS: `pypi.org,files.pythonhosted.org,${hosts.private.address}:8081` });
  try {
    const res = await slow.api('POST', '/v1/functions/py-slow/versions', await zipFiles({ 'handler.py': 'def handler(e, c):\n    return 1\n', 'requirements.txt': `six @ http://${hosts.private.address}:8081/six-1.16.0-py2.py3-none-any.whl\n` }), {
      'content-type': 'application/zip', 'skyscale-settings': JSON.stringify({ handler: 'handler.handler' }),
    });
    assert.equal(res.status, 400);
    assert.equal(res.json().error.type, 'DependencyBuildTimeout', JSON.stringify(res.json()));
    assert.match(res.json().error.message, /time limit of 8 s/);
    assert.equal(existsSync(join(slow.dataDir, 'build-cache')) ? readdirSync(join(slow.dataDir, 'build-cache')).filter((f) => f.endsWith('.tar.gz')).length : 0, 0);
  } finally {
    await slow.stop();
    silent.kill('SIGTERM');
  }
});
