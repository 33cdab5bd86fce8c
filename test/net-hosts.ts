// Test hosts for the network tests, all on this machine: each is a network namespace
// joined to the host by a veth pair, holding one address with a small HTTP server that
// answers its own name. One stands in for the internet (a documentation address), one
// holds a private-range address, one the cloud metadata address. POSTs are kept and
// GET /posted answers them as JSON (webhook tests read what arrived). A DNS server on the
// host's loopback answers for their names. Nothing here sends traffic anywhere else:
// routes to the hosts' addresses point at their veth (and are checked to), and the
// namespaces have no route but the one back to the host.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';

export interface TestHost {
  name: string;
  address: string;
}

export interface TestHosts {
  internet: TestHost;
  private: TestHost;
  metadata: TestHost;
  /** where the DNS server listens: give it to the server as SKYSCALE_DNS_SERVERS */
  dns: string;
  /** names the DNS server answers */
  names: Record<string, string>;
  close(): Promise<void>;
}

const SERVER = `
import http.server, json, socketserver, sys, threading
name = sys.argv[2].encode()
posted = []
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = name
        if self.path == "/posted":
            with lock: body = json.dumps(posted).encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        data = self.rfile.read(int(self.headers.get("content-length") or 0))
        with lock: posted.append({"path": self.path, "contentType": self.headers.get("content-type"), "body": data.decode("utf-8", "replace")})
        self.send_response(200); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *a): pass
class S(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
s = S((sys.argv[1], 80), H)
print("listening", flush=True)
s.serve_forever()
`;

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8' });
}

export async function createTestHosts(): Promise<TestHosts> {
  const tag = (process.pid % 10000).toString(36);
  const specs = [
    { key: 'internet', address: '198.51.100.10', hostSide: '203.0.113.1' },
    { key: 'private', address: '192.168.77.10', hostSide: '203.0.113.2' },
    { key: 'metadata', address: '169.254.169.254', hostSide: '203.0.113.3' },
  ] as const;
  const made: { ns: string; link: string; address: string }[] = [];
  const servers: ChildProcess[] = [];
  let dns: Socket | null = null;
  const close = async (): Promise<void> => {
    for (const s of servers) s.kill('SIGKILL');
    dns?.close();
    for (const m of made) {
      try { ip('route', 'del', `${m.address}/32`, 'dev', m.link); } catch { /* gone with the link */ }
      try { ip('netns', 'del', m.ns); } catch { /* already gone */ }
    }
  };
  // test hosts a crashed earlier run left (their routes go with their links)
  for (const stale of ip('netns', 'list').split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith('skytest-'))) {
    try { ip('netns', 'del', stale); } catch { /* gone meanwhile */ }
  }
  try {
    const hosts: Record<string, TestHost> = {};
    for (const [i, s] of specs.entries()) {
      const ns = `skytest-${tag}-${s.key}`;
      const link = `skyt${tag}${i}`;
      ip('netns', 'add', ns);
      made.push({ ns, link, address: s.address });
      ip('link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('addr', 'add', `${s.hostSide}/32`, 'dev', link);
      ip('link', 'set', link, 'up');
      ip('-n', ns, 'addr', 'add', `${s.address}/32`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'route', 'add', `${s.hostSide}/32`, 'dev', 'eth0');
      // add, not replace: a route to one of these addresses that is not ours is never taken over
      ip('route', 'add', `${s.address}/32`, 'dev', link);
      // the promise of this file: traffic to the test address goes to the test host, nowhere else
      const via = ip('route', 'get', s.address);
      if (!via.includes(`dev ${link}`)) throw new Error(`the route to ${s.address} does not go to its test host: ${via}`);
      const server = spawn('ip', ['netns', 'exec', ns, '/usr/bin/python3', '-c', SERVER, s.address, s.key], { stdio: ['ignore', 'pipe', 'ignore'] });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.stdout!.once('data', () => resolve());
        server.once('exit', (code) => reject(new Error(`the ${s.key} test host's server exited (${code})`)));
      });
      hosts[s.key] = { name: `${s.key}.test`, address: s.address };
    }
    const names = Object.fromEntries(Object.values(hosts).map((h) => [h.name, h.address]));
    dns = await dnsServer(names);
    return { internet: hosts.internet!, private: hosts.private!, metadata: hosts.metadata!, dns: `127.0.0.1:${dns.address().port}`, names, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A DNS server for A queries of the given names (NXDOMAIN for others), on the host's loopback. */
async function dnsServer(names: Record<string, string>): Promise<Socket> {
  const sock = createSocket('udp4');
  sock.on('message', (q, from) => {
    if (q.length < 17) return;
    let i = 12;
    const labels: string[] = [];
    while (i < q.length && q[i] !== 0) {
      labels.push(q.subarray(i + 1, i + 1 + q[i]!).toString('ascii'));
      i += q[i]! + 1;
    }
    const question = q.subarray(12, i + 5);
    const qtype = q.readUInt16BE(i + 1);
    const address = names[labels.join('.').toLowerCase()];
    const answer = address && qtype === 1
      ? Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4]), Buffer.from(address.split('.').map(Number))])
      : Buffer.alloc(0);
    const header = Buffer.alloc(12);
    q.copy(header, 0, 0, 2);
    header.writeUInt16BE(0x8180 | (address ? 0 : 3), 2); // a response; NXDOMAIN for unknown names
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answer.length ? 1 : 0, 6);
    sock.send(Buffer.concat([header, question, answer]), from.port, from.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  return sock;
}
