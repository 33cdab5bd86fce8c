// Outbound network, tried by a hostile function once it has checked it is really inside
// a sandbox: with network "outbound" it fetches from the test host standing in for the
// internet (by name, so DNS works too), and fails to reach the host's loopback, the
// control plane's port (on every host address), the private-range test host, the
// 169.254.169.254 test host and another sandbox; an allow entry opens exactly the
// private host; with network "none" nothing is reachable. Traffic goes only to loopback
// and to the test hosts this file creates in network namespaces (net-hosts.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SandboxNetwork } from '../src/sandbox/network/sandbox-network.js';
import { startTestServer, testSandbox, type TestServer } from './harness.js';
import { createTestHosts, type TestHosts } from './net-hosts.js';

const PROBE = `
import os, socket, json, threading

def in_sandbox():
    return os.path.exists("/opt/skyscale/bin/skyscale-agent") and os.getpid() < 100 and socket.gethostname() == "sandbox"

import time
def attempt(fn):
    t = time.time()
    try:
        return {"ok": True, "value": fn()}
    except Exception as e:
        return {"ok": False, "error": type(e).__name__ + ": " + str(e)[:80], "ms": int((time.time() - t) * 1000)}

def get(host, port=80):
    s = socket.create_connection((host, port), timeout=3)
    try:
        s.sendall(b"GET / HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\\r\\n\\r\\n", 1)[-1].decode()
    finally:
        s.close()

def connect(host, port):
    s = socket.create_connection((host, port), timeout=3)
    s.close()
    return "connected"

def own_address():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("198.51.100.10", 9))
        return s.getsockname()[0]
    finally:
        s.close()

listener = None

def listen():
    global listener
    if listener is None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("0.0.0.0", 8000))
        listener.listen()
        def serve():
            while True:
                c, _ = listener.accept()
                c.close()
        threading.Thread(target=serve, daemon=True).start()
    return own_address()

def handler(event, context):
    if not in_sandbox():
        return {"refused": "not inside a sandbox; probing nothing"}
    if event.get("listen"):
        return {"address": attempt(listen)}
    port = event["port"]
    out = {
        "interfaces": sorted(n for _, n in socket.if_nameindex()),
        "internet_by_name": attempt(lambda: get(event["internet_name"])),
        "internet_by_address": attempt(lambda: get(event["internet"])),
        "private": attempt(lambda: get(event["private"])),
        "private_name_resolves": attempt(lambda: socket.gethostbyname(event["private_name"])),
        "metadata": attempt(lambda: get("169.254.169.254")),
        "loopback_control_plane": attempt(lambda: connect("127.0.0.1", port)),
        "host_addresses": {a: attempt(lambda a=a: connect(a, port)) for a in event["host_addresses"]},
        "peer": attempt(lambda: connect(event["peer"], 8000)) if event.get("peer") else None,
    }
    try:
        me = own_address()
        gateway = ".".join(me.split(".")[:3] + [str(int(me.split(".")[3]) - 1)])
        out["gateway_control_plane"] = attempt(lambda: connect(gateway, port))
        out["gateway_dns_forwarder_is_only_dns"] = attempt(lambda: connect(gateway, 22))
    except Exception as e:
        out["gateway_control_plane"] = {"ok": False, "error": "no address: " + type(e).__name__}
    return out
`;

const skip = testSandbox() === 'process' ? 'the process driver does not isolate' : false;
let s: TestServer;
let hosts: TestHosts;

before(async () => {
  if (skip) return;
  hosts = await createTestHosts();
  // listening on every address, so "the control plane's port" is there to be refused on each
  s = await startTestServer({ SKYSCALE_HOST: '0.0.0.0', SKYSCALE_DNS_SERVERS: hosts.dns, SKYSCALE_SANDBOX_NETWORK: '10.213.0.0/20' });
});

after(async () => {
  const table = s ? nftTable() : null;
  await s?.stop();
  await hosts?.close();
  if (table) assert.equal(nftTables().includes(table), false, 'the server removed its nftables table');
});

function nftTables(): string {
  return execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' });
}
function nftTable(): string | null {
  return /table inet (skyscale_\w+)/.exec(nftTables())?.[1] ?? null;
}

function hostAddresses(): string[] {
  return Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
}

function event(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    port: Number(new URL(s.url).port), internet: hosts.internet.address, internet_name: hosts.internet.name, private: hosts.private.address,
    private_name: hosts.private.name, host_addresses: hostAddresses(), ...extra,
  };
}

function refused(out: { ok: boolean; error?: string }, what: string): void {
  assert.equal(out.ok, false, `${what} must be unreachable, got ${JSON.stringify(out)}`);
}

test('network "outbound": the internet stand-in is reached by name; the host, the control plane, private and metadata addresses and other sandboxes are not', { skip }, async () => {
  await s.deploy('listener', { 'handler.py': PROBE }, { network: 'outbound' });
  const peer = (await s.invoke('listener', { listen: true })).json();
  assert.equal(peer.refused, undefined, 'the listener ran inside a sandbox');
  assert.equal(peer.address.ok, true, JSON.stringify(peer));

  await s.deploy('probe', { 'handler.py': PROBE }, { network: 'outbound', timeout: 60 });
  const res = await s.invoke('probe', event({ peer: peer.address.value }));
  assert.equal(res.status, 200, res.body.toString());
  assert.equal(res.headers.get('x-skyscale-function-error'), null, res.body.toString());
  const out = res.json();
  assert.equal(out.refused, undefined, 'the probe ran inside a sandbox');
  assert.deepEqual(out.interfaces, ['eth0', 'lo']);
  assert.deepEqual(out.internet_by_name, { ok: true, value: 'internet' }, 'DNS and the fetch work');
  assert.deepEqual(out.internet_by_address, { ok: true, value: 'internet' });
  assert.deepEqual(out.private_name_resolves, { ok: true, value: hosts.private.address }, 'names resolve whatever they point at');
  refused(out.private, 'the private-range test host');
  refused(out.metadata, 'the 169.254.169.254 test host');
  refused(out.loopback_control_plane, 'the control plane on loopback');
  refused(out.gateway_control_plane, 'the control plane through the sandbox\'s gateway');
  refused(out.gateway_dns_forwarder_is_only_dns, 'another port of the host');
  assert.ok(Object.keys(out.host_addresses).length > 0);
  for (const [address, r] of Object.entries(out.host_addresses)) refused(r as { ok: boolean }, `the control plane on the host address ${address}`);
  refused(out.peer, 'another sandbox');
});

test('an allow entry opens the private host it names (by its DNS name, resolved by the platform), nothing more', { skip }, async () => {
  await s.deploy('allowed', { 'handler.py': PROBE }, { network: 'outbound', allow: [`${hosts.private.name}:80`], timeout: 60 });
  const res = await s.invoke('allowed', event());
  assert.equal(res.headers.get('x-skyscale-function-error'), null, res.body.toString());
  const out = res.json();
  assert.equal(out.refused, undefined);
  assert.deepEqual(out.private, { ok: true, value: 'private' });
  assert.deepEqual(out.internet_by_name, { ok: true, value: 'internet' });
  refused(out.metadata, 'the 169.254.169.254 test host');
  refused(out.gateway_control_plane, 'the control plane');
});

test('network "none": loopback only, no name resolves, nothing is reached', { skip }, async () => {
  await s.deploy('offline', { 'handler.py': PROBE }, { network: 'none', timeout: 60 });
  const out = (await s.invoke('offline', event({ host_addresses: [] }))).json();
  assert.equal(out.refused, undefined);
  assert.deepEqual(out.interfaces, ['lo']);
  refused(out.internet_by_name, 'a name');
  refused(out.internet_by_address, 'the internet stand-in');
  refused(out.metadata, 'the 169.254.169.254 test host');
});

test('a server restarted after a crash removes the namespaces its earlier run left, and replaces its rules', { skip }, async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'skyscale-net-'));
  const open = () => SandboxNetwork.open({ range: '10.218.0.0/24', upstreams: [{ host: '127.0.0.1', port: 9 }], stateDir, log: pino({ level: 'silent' }) });
  const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  let second: SandboxNetwork | null = null;
  try {
    const first = await open();
    const link = await first.attach();
    const name = link.netns.split('/').pop()!;
    assert.ok(namespaces().includes(name));
    // a crash: nothing released, the forwarder's sockets die with the process (closed here)
    await (first as unknown as { dns: { close(): Promise<void> } }).dns.close();
    second = await open();
    assert.equal(namespaces().split('\n').some((l) => l.split(' ')[0] === name), false, 'the earlier run\'s namespace is gone');
    assert.equal(nftTables().split('\n').filter((l) => l.includes((first as unknown as { table: string }).table)).length, 1, 'one table, replaced');
  } finally {
    await second?.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});
