// A hostile function, once it has checked it is really inside a gVisor sandbox, tries
// to reach the host's files, the control plane's port and the network, and to write
// outside its scratch space. Every attempt must fail. Traffic goes to loopback only.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, testSandbox, type TestServer } from './harness.js';

const PROBE = `
import os, socket, json

def in_sandbox():
    # the agent kit is mounted, PIDs are the sandbox's own (no host PIDs), and the
    # hostname is the sandbox's
    return os.path.exists("/opt/skyscale/bin/skyscale-agent") and os.getpid() < 100 and socket.gethostname() == "sandbox"

def attempt(fn):
    try:
        return {"ok": True, "value": fn()}
    except Exception as e:
        return {"ok": False, "error": type(e).__name__}

def read(path):
    with open(path) as f:
        return f.read()[:100]

def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=1)
    s.close()
    return "connected"

def write(path):
    with open(path, "w") as f:
        f.write("x")
    return "written"

def handler(event, context):
    if not in_sandbox():
        return {"refused": "not inside a sandbox; probing nothing"}
    return {
        "host_secret": attempt(lambda: read(event["secret_path"])),
        "control_plane": attempt(lambda: connect(event["port"])),
        "write_root": attempt(lambda: write("/evil")),
        "write_tmp": attempt(lambda: write("/tmp/scratch")),
        "interfaces": sorted(n for _, n in socket.if_nameindex()),
        "database": attempt(lambda: read(event["db_path"])),
        "uid": os.getuid(),
    }
`;

// The same probe as a Node.js function: the image's own Node.js and runtime files are
// read-only too.
const NODE_PROBE = `
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');

const inSandbox = () => fs.existsSync('/opt/skyscale/bin/skyscale-agent') && process.pid < 100 && os.hostname() === 'sandbox';
const attempt = async (fn) => { try { return { ok: true, value: await fn() }; } catch (e) { return { ok: false, error: e.code || e.name }; } };
const connect = (port) => new Promise((resolve, reject) => {
  const sock = net.connect({ host: '127.0.0.1', port, timeout: 1000 }, () => { sock.destroy(); resolve('connected'); });
  sock.on('error', reject);
  sock.on('timeout', () => { sock.destroy(); reject(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })); });
});

exports.handler = async (event) => {
  if (!inSandbox()) return { refused: 'not inside a sandbox; probing nothing' };
  return {
    host_secret: await attempt(() => fs.readFileSync(event.secret_path, 'utf8').slice(0, 100)),
    control_plane: await attempt(() => connect(event.port)),
    database: await attempt(() => fs.readFileSync(event.db_path).length),
    write_root: await attempt(() => fs.writeFileSync('/evil', 'x')),
    write_node: await attempt(() => fs.writeFileSync('/opt/node22/bin/node', 'x')),
    write_runtime: await attempt(() => fs.writeFileSync('/opt/skyscale/runtime/node/lib/main.mjs', 'x')),
    write_tmp: await attempt(() => { fs.writeFileSync('/tmp/scratch', 'x'); return 'written'; }),
    interfaces: Object.keys(os.networkInterfaces()).sort(),
    uid: process.getuid(),
  };
};
`;

let s: TestServer;
let secretDir: string;
before(async () => {
  s = await startTestServer();
  secretDir = mkdtempSync(join(tmpdir(), 'skyscale-secret-'));
  writeFileSync(join(secretDir, 'secret.txt'), 'top secret host data');
});
after(async () => {
  await s?.stop();
  rmSync(secretDir, { recursive: true, force: true });
});

test('function code cannot reach host files, the control plane, the database or a network', { skip: testSandbox() === 'process' ? 'the process driver does not isolate' : false }, async () => {
  await s.deploy('probe', { 'handler.py': PROBE }, { network: 'none' });
  const port = new URL(s.url).port;
  const res = await s.invoke('probe', { secret_path: join(secretDir, 'secret.txt'), port: Number(port), db_path: join(s.dataDir, 'skyscale.db') });
  const out = res.json();
  assert.equal(out.refused, undefined, 'the probe ran inside a sandbox');
  assert.equal(out.host_secret.ok, false, 'host file not readable');
  assert.equal(out.host_secret.error, 'FileNotFoundError');
  assert.equal(out.database.ok, false, 'the database is not visible');
  assert.equal(out.control_plane.ok, false, 'the control plane port is unreachable');
  assert.equal(out.write_root.ok, false, 'the root filesystem is read-only');
  assert.equal(out.write_tmp.ok, true, '/tmp is private scratch space');
  assert.deepEqual(out.interfaces, ['lo'], 'loopback only');
  assert.equal(out.uid, 65534, 'function code runs as nobody');
});

test('a Node.js function cannot reach host files, the control plane, the database or a network, nor change its runtime', { skip: testSandbox() === 'process' ? 'the process driver does not isolate' : false }, async () => {
  await s.deploy('node-probe', { 'index.js': NODE_PROBE }, { runtime: 'nodejs22.x', handler: 'index.handler', network: 'none', timeout: 10 });
  const port = new URL(s.url).port;
  const res = await s.invoke('node-probe', { secret_path: join(secretDir, 'secret.txt'), port: Number(port), db_path: join(s.dataDir, 'skyscale.db') });
  const out = res.json();
  assert.equal(out.refused, undefined, 'the probe ran inside a sandbox');
  assert.deepEqual(out.host_secret, { ok: false, error: 'ENOENT' }, 'host file not readable');
  assert.deepEqual(out.database, { ok: false, error: 'ENOENT' }, 'the database is not visible');
  assert.equal(out.control_plane.ok, false, 'the control plane port is unreachable');
  assert.equal(out.write_root.ok, false, 'the root filesystem is read-only');
  assert.equal(out.write_node.ok, false, 'the image\'s Node.js is read-only');
  assert.equal(out.write_runtime.ok, false, 'the runtime is read-only');
  assert.equal(out.write_tmp.ok, true, '/tmp is private scratch space');
  assert.deepEqual(out.interfaces, ['lo'], 'loopback only');
  assert.equal(out.uid, 65534, 'function code runs as nobody');
});
