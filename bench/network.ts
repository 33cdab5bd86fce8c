// What outbound network costs, per driver: a sandbox's start (agent ready) with network
// "none" and "outbound", a first invocation with the boot on the path and from the
// pre-warmed pool, the link alone (namespace + veth + set elements, and its removal),
// and a warm HTTP fetch from inside a sandbox (a new TCP connection each time) against
// the test host standing in for the internet, beside the same fetch from the host.
// Traffic goes only to test hosts in namespaces on this machine (test/net-hosts.ts).
// Not part of the test suite; needs root.
//   node dist/bench/network.js [--sandbox gvisor|namespace|all] [--rounds 8] [--json]
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import pino from 'pino';
import { eventually, startTestServer, type TestServer } from '../test/harness.js';
import { createTestHosts, type TestHosts } from '../test/net-hosts.js';
import { SandboxNetwork } from '../src/sandbox/network/sandbox-network.js';
import { parseUpstream } from '../src/sandbox/network/dns-forwarder.js';

const { values } = parseArgs({ options: { sandbox: { type: 'string' }, rounds: { type: 'string' }, json: { type: 'boolean' } } });
const ROUNDS = Number(values.rounds ?? 8);
const DRIVERS = values.sandbox === 'all' || !values.sandbox ? ['gvisor', 'namespace'] : [values.sandbox];

const FETCHER = `
import socket, time
def get(host):
    s = socket.create_connection((host, 80), timeout=3)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"GET / HTTP/1.0\\r\\n\\r\\n")
    while s.recv(4096):
        pass
    s.close()
def handler(event, context):
    get(event["host"])
    times = []
    for _ in range(event["n"]):
        t = time.perf_counter(); get(event["host"]); times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50": times[len(times) // 2], "p90": times[int(len(times) * 0.9)]}
`;
const TRIVIAL = 'def handler(event, context):\n    return {"ok": True}\n';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number): string => `${x.toFixed(1)} ms`;

async function sandboxStart(s: TestServer, network: 'none' | 'outbound'): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    const sb = await s.driver.start({ id: `sky-bench-${network}-${i}-${Date.now()}`, memoryMb: 128, network, prestart: 'python' });
    times.push(performance.now() - t);
    await sb.stop();
  }
  return median(times);
}

async function firstCall(s: TestServer, network: 'none' | 'outbound', from: 'boot' | 'pool'): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const name = `first-${network}-${from}-${i}`;
    await s.deploy(name, { 'handler.py': TRIVIAL }, { network });
    if (from === 'pool') {
      await eventually(async () => {
        const pool = (await s.api('GET', '/v1/pool')).json() as { generic: { state: string; network: string }[] };
        return pool.generic.some((g) => g.state === 'ready' && g.network === network);
      }, 'a pre-warmed sandbox', 30_000);
    }
    const t = performance.now();
    const res = await s.invoke(name, {});
    times.push(performance.now() - t);
    if (res.headers.get('x-skyscale-start') !== from) throw new Error(`expected a ${from} start, got ${res.headers.get('x-skyscale-start')}`);
  }
  return median(times);
}

async function hostFetch(host: string, n: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t = performance.now();
    await new Promise<void>((resolve, reject) => {
      const c = connect(80, host, () => c.end('GET / HTTP/1.0\r\n\r\n'));
      c.setNoDelay(true);
      c.on('data', () => undefined);
      c.on('end', () => resolve());
      c.on('error', reject);
    });
    if (i) times.push(performance.now() - t);
  }
  return median(times);
}

async function linkCost(hosts: TestHosts): Promise<{ attach: number; release: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-bench-net-'));
  const net = await SandboxNetwork.open({ range: '10.214.0.0/20', upstreams: [parseUpstream(hosts.dns)], stateDir: dir, log: pino({ level: 'silent' }) });
  const attach: number[] = [];
  const release: number[] = [];
  try {
    for (let i = 0; i < ROUNDS * 2; i++) {
      let t = performance.now();
      const link = await net.attach();
      attach.push(performance.now() - t);
      t = performance.now();
      await link.release();
      release.push(performance.now() - t);
    }
  } finally {
    await net.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { attach: median(attach), release: median(release) };
}

const hosts = await createTestHosts();
const rows: Record<string, string | number>[] = [];
try {
  const link = await linkCost(hosts);
  rows.push({ what: 'link: namespace + veth + rules (attach / release)', value: `${ms(link.attach)} / ${ms(link.release)}` });
  rows.push({ what: 'HTTP fetch from the host (new connection), p50', value: ms(await hostFetch(hosts.internet.address, 50)) });
  for (const driver of DRIVERS) {
    const env = { SKYSCALE_SANDBOX: driver, SKYSCALE_DNS_SERVERS: hosts.dns, SKYSCALE_SANDBOX_NETWORK: '10.215.0.0/20' };
    // no pre-warmed sandboxes: boots measured alone, nothing refilling beside them
    const cold = await startTestServer({ ...env, SKYSCALE_WARM_POOL_SIZE: '0' });
    try {
      for (const network of ['none', 'outbound'] as const) {
        rows.push({ what: `${driver}: sandbox start to agent ready, ${network}`, value: ms(await sandboxStart(cold, network)) });
        rows.push({ what: `${driver}: first call, boot on the path, ${network}`, value: ms(await firstCall(cold, network, 'boot')) });
      }
      await cold.deploy('fetch', { 'handler.py': FETCHER }, { network: 'outbound', timeout: 60 });
      const f = (await cold.invoke('fetch', { host: hosts.internet.address, n: 50 })).json() as { p50: number; p90: number };
      rows.push({ what: `${driver}: HTTP fetch from the sandbox (new connection), p50 / p90`, value: `${ms(f.p50)} / ${ms(f.p90)}` });
    } finally {
      await cold.stop();
    }
    const pooled = await startTestServer({ ...env, SKYSCALE_WARM_POOL_SIZE: '1' });
    try {
      for (const network of ['none', 'outbound'] as const) rows.push({ what: `${driver}: first call from the pre-warmed pool, ${network}`, value: ms(await firstCall(pooled, network, 'pool')) });
    } finally {
      await pooled.stop();
    }
  }
} finally {
  await hosts.close();
}
if (values.json) console.log(JSON.stringify(rows));
else for (const r of rows) console.log(`${String(r.what).padEnd(64)} ${r.value}`);
