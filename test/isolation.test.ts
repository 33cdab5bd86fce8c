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
