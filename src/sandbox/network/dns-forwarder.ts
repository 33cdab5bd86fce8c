// The sandboxes' DNS resolver: a forwarder in the control plane. Every DNS query a
// sandbox sends (UDP or TCP port 53, to whatever address) is redirected by the host's
// nftables rules to this forwarder's port, which relays it to the upstream resolvers
// (the host's, from /etc/resolv.conf, or SKYSCALE_DNS_SERVERS) and the answer back.
// So the host's resolver, usually on a private or loopback address the walls refuse, is
// reached on this one path, and only with DNS. Queries from anywhere but the sandbox
// network are dropped: this is not an open resolver on the host's other interfaces.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, connect, type Server, type Socket as TcpSocket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { contains, parseIp, type IpRange } from '../../model/ip-address.js';

export interface Upstream {
  host: string;
  port: number;
}

const QUERY_TIMEOUT_MS = 5000;
/** an upstream that has not answered by then is skipped for the next one */
const UPSTREAM_TIMEOUT_MS = 2000;
const MAX_UDP_BYTES = 4096;
/** queries relayed at once, over UDP and over TCP; more are dropped (a sandbox flooding its resolver gets nothing more) */
const MAX_PENDING = 512;

export class DnsForwarder {
  private pending = 0;
  private readonly clients = new Set<TcpSocket>();

  private constructor(
    private readonly udp: Socket,
    private readonly tcp: Server,
    readonly port: number,
    private readonly o: { upstreams: Upstream[]; from: IpRange; log: Logger },
  ) {
    udp.on('message', (msg, rinfo) => this.relayUdp(msg, rinfo));
    tcp.on('connection', (client) => {
      const ip = parseIp(client.remoteAddress ?? '');
      if (!ip || !contains(o.from, ip) || this.pending >= MAX_PENDING) return void client.destroy();
      this.pending++;
      this.clients.add(client);
      client.once('close', () => { this.pending--; this.clients.delete(client); });
      const up = o.upstreams[0]!;
      const server = connect(up.port, up.host);
      client.setTimeout(QUERY_TIMEOUT_MS * 2, () => client.destroy());
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
      client.pipe(server).pipe(client);
    });
  }

  /** Listens on one port number for both UDP and TCP, on every address (the nftables rules bring the sandboxes' queries here). */
  static async start(o: { upstreams: Upstream[]; from: IpRange; log: Logger }): Promise<DnsForwarder> {
    if (o.upstreams.length === 0) throw new Error('no upstream DNS resolver: set SKYSCALE_DNS_SERVERS or give the host an /etc/resolv.conf');
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket('udp4');
      await new Promise<void>((resolve, reject) => { udp.once('error', reject); udp.bind(0, '0.0.0.0', () => resolve()); });
      const port = udp.address().port;
      const tcp = createServer();
      try {
        await new Promise<void>((resolve, reject) => { tcp.once('error', reject); tcp.listen(port, '0.0.0.0', () => resolve()); });
        return new DnsForwarder(udp, tcp, port, o);
      } catch (err) {
        udp.close();
        if (attempt >= 5) throw err; // the TCP port was taken: try another number
      }
    }
  }

  private relayUdp(query: Buffer, from: RemoteInfo, upstream = 0): void {
    const ip = parseIp(from.address);
    if (!ip || !contains(this.o.from, ip) || query.length > MAX_UDP_BYTES || this.pending >= MAX_PENDING) return;
    // one socket per query: a random source port, and only the upstream's answer is taken
    const up = this.o.upstreams[upstream]!;
    const sock = createSocket(parseIp(up.host)?.family === 6 ? 'udp6' : 'udp4');
    this.pending++;
    let closed = false;
    const done = (): void => {
      if (closed) return;
      closed = true;
      this.pending--;
      clearTimeout(timer);
      sock.close();
    };
    const next = upstream + 1 < this.o.upstreams.length;
    const timer = setTimeout(() => {
      done();
      if (next) this.relayUdp(query, from, upstream + 1);
    }, next ? UPSTREAM_TIMEOUT_MS : QUERY_TIMEOUT_MS);
    sock.on('error', (err) => { this.o.log.debug({ err: err.message }, 'DNS relay failed'); done(); });
    sock.on('message', (answer, rinfo) => {
      if (rinfo.port !== up.port) return;
      this.udp.send(answer, from.port, from.address);
      done();
    });
    sock.send(query, up.port, up.host);
  }

  async close(): Promise<void> {
    this.udp.close();
    for (const c of this.clients) c.destroy(); // a sandbox gone with its namespace never closes its end
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}

/** "10.0.0.2", "127.0.0.1:5353", "[fd00::53]:53" → host and port. */
export function parseUpstream(text: string): Upstream {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? /^([^:]+)(?::(\d+))?$/.exec(text);
  if (!m) return { host: text, port: 53 };
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 53 };
}

/** The nameservers of the host's resolv.conf (IPv4 ones: the forwarder speaks IPv4). */
export function hostResolvers(path = '/etc/resolv.conf'): Upstream[] {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).filter((a): a is string => !!a && parseIp(a)?.family === 4).map((host) => ({ host, port: 53 }));
}
