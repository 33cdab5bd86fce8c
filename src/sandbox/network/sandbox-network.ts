// Outbound network for sandboxes: each one that has it gets its own network namespace
// (`skyscale-<slot>` in /run/netns) joined to the host by a veth pair, numbered from
// the sandbox network (a /30 per slot: host side .1, sandbox .2), with a default route
// through the host, which forwards and masquerades what the nftables rules let pass
// (nftables.ts). This class owns the server's table, the DNS forwarder the rules send
// DNS to, and the links: attach() gives a sandbox a namespace before it boots (from
// the pre-warmed pool too), SandboxLink.allow() opens the function's allow entries when
// its code is assigned, release() removes the namespace and the link's set elements.
// Slots are claimed by creating the namespace, which fails if another server on the
// host holds it; the slots held are written to the state directory, so a restart after
// a crash removes what the earlier run left.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { parseAllowlist, resolveAllowRules } from '../../model/egress-policy.js';
import { formatIp, parseCidr, rangeOf, type IpRange } from '../../model/ip-address.js';
import { DnsForwarder, type Upstream } from './dns-forwarder.js';
import { elementCommands, linkElements, tableRuleset } from './nftables.js';

export interface SandboxNetworkOptions {
  /** the sandbox network, e.g. 10.211.0.0/16 */
  range: string;
  upstreams: Upstream[];
  /** holds the slots file and the sandboxes' resolv.conf and hosts */
  stateDir: string;
  log: Logger;
}

export interface SandboxLink {
  /** the namespace path a sandbox joins */
  readonly netns: string;
  readonly address: string;
  /** Opens the function's allow entries (names resolved now) on this link. */
  allow(entries: readonly string[]): Promise<void>;
  /** Holds the link to these entries alone (names resolved now): nothing else outside is reachable from it. */
  restrict(entries: readonly string[]): Promise<void>;
  /** Removes the namespace, its veth pair and the link's rules; idempotent. */
  release(): Promise<void>;
}

const NETNS_PREFIX = 'skyscale-';
const LINK_PREFIX = 'skyh';
const TOOL_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin'];

export function findTool(name: string): string | undefined {
  return TOOL_DIRS.map((d) => join(d, name)).find((p) => existsSync(p));
}

export class SandboxNetwork {
  private readonly used = new Set<number>();
  private nextSlot = 1;
  private readonly slots: number;
  private readonly slotDir: string;
  private readonly resolver = new Resolver({ timeout: 3000, tries: 2 });

  private constructor(
    private readonly o: SandboxNetworkOptions,
    private readonly range: IpRange,
    private readonly table: string,
    private readonly tools: { ip: string; nft: string },
    private readonly dns: DnsForwarder,
    /** resolv.conf and hosts mounted into sandboxes with network */
    readonly etcDir: string,
  ) {
    this.slots = Number((range.last - range.first + 1n) / 4n);
    this.slotDir = join(o.stateDir, 'slots');
    this.resolver.setServers(o.upstreams.map((u) => (u.port === 53 ? u.host : `${u.host.includes(':') ? `[${u.host}]` : u.host}:${u.port}`)));
  }

  /** Checks the tools, removes an earlier run's leftovers, starts the DNS forwarder and installs the table. */
  static async open(o: SandboxNetworkOptions): Promise<SandboxNetwork> {
    const ip = findTool('ip');
    const nft = findTool('nft');
    if (!ip || !nft) throw new Error(`${!ip ? 'ip (iproute2)' : 'nft (nftables)'} was not found: run scripts/setup.sh`);
    if (process.getuid?.() !== 0) throw new Error('sandbox networks need root (network namespaces, veth pairs, nftables)');
    const range = parseCidr(o.range);
    if (!range || range.family !== 4) throw new Error(`the sandbox network ${o.range} is not an IPv4 range`);
    mkdirSync(join(o.stateDir, 'slots'), { recursive: true });
    const table = `skyscale_${createHash('sha256').update(o.stateDir).digest('hex').slice(0, 10)}`;
    const dns = await DnsForwarder.start({ upstreams: o.upstreams, from: range, log: o.log });
    const etcDir = join(o.stateDir, 'etc');
    mkdirSync(etcDir, { recursive: true });
    // any address of the sandbox network's first /30 will do: the rules send all DNS to the forwarder
    writeFileSync(join(etcDir, 'resolv.conf'), `nameserver ${formatIp({ family: 4, value: range.first + 1n })}\noptions timeout:2 attempts:2\n`);
    writeFileSync(join(etcDir, 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tsandbox\n');
    const net = new SandboxNetwork(o, range, table, { ip, nft }, dns, etcDir);
    try {
      await net.removeLeftovers();
      writeFileSync('/proc/sys/net/ipv4/ip_forward', '1');
      await run(nft, ['-f', '-'], tableRuleset({ name: table, range, dnsPort: dns.port, hostSubnets: await net.hostSubnets() }));
    } catch (err) {
      await dns.close();
      throw err;
    }
    return net;
  }

  /** For /healthz: nothing of the host's own network. */
  describe(): Record<string, unknown> {
    return { range: this.range.cidr, links: this.used.size };
  }

  /** For the server's log. */
  facts(): Record<string, unknown> {
    return { range: this.range.cidr, table: `inet ${this.table}`, dnsPort: this.dns.port, upstreams: this.o.upstreams.map((u) => `${u.host}:${u.port}`) };
  }

  /** A namespace with a link to the host, for one sandbox; the public internet is reachable from it at once. */
  async attach(): Promise<SandboxLink> {
    let lastError: Error | null = null;
    for (let tries = 0; tries < Math.min(this.slots, 16); tries++) {
      const slot = this.claimSlot();
      const base = this.range.first + BigInt(slot) * 4n;
      const host = formatIp({ family: 4, value: base + 1n });
      const address = formatIp({ family: 4, value: base + 2n });
      const netns = `${NETNS_PREFIX}${slot}`;
      const ifname = `${LINK_PREFIX}${slot}`;
      try {
        await run(this.tools.ip, ['netns', 'add', netns]);
      } catch {
        continue; // another server on this host holds the slot: leave it marked used here
      }
      writeFileSync(join(this.slotDir, String(slot)), '');
      const link = new Link(this, slot, `/run/netns/${netns}`, ifname, address);
      try {
        await run(this.tools.ip, ['-batch', '-'], `link add ${ifname} type veth peer name eth0 netns ${netns}\naddr add ${host}/30 dev ${ifname}\nlink set ${ifname} up\n`);
        await run(this.tools.ip, ['-n', netns, '-batch', '-'], `addr add ${address}/30 dev eth0\nlink set eth0 up\nlink set lo up\nroute add default via ${host}\n`);
        await link.addElements(linkElements({ ifname, address }, []));
        return link;
      } catch (err) {
        // e.g. the veth of a sandbox an earlier run left is still held by its runsc: the next slot
        await link.release();
        lastError = err as Error;
      }
    }
    throw lastError ?? new Error('no free slot in the sandbox network');
  }

  async close(): Promise<void> {
    await this.removeLeftovers();
    await run(this.tools.nft, ['delete', 'table', 'inet', this.table]).catch((err: Error) => this.o.log.warn({ err: err.message }, 'removing the sandbox network rules failed'));
    await this.dns.close();
  }

  /** @internal */ async resolveAllow(entries: readonly string[]): Promise<ReturnType<typeof parseAllowlist>['rules']> {
    return resolveAllowRules(parseAllowlist(entries).rules, (name) => this.resolver.resolve4(name));
  }

  /** @internal */ async nftElements(op: 'add' | 'delete', elements: { set: string; element: string }[]): Promise<void> {
    if (elements.length) await run(this.tools.nft, ['-f', '-'], elementCommands(op, this.table, elements));
  }

  /** @internal */ async dropSlot(slot: number): Promise<void> {
    await run(this.tools.ip, ['netns', 'del', `${NETNS_PREFIX}${slot}`]).catch(() => undefined);
    rmSync(join(this.slotDir, String(slot)), { force: true });
    this.used.delete(slot);
  }

  private claimSlot(): number {
    for (let i = 0; i < this.slots; i++) {
      const slot = this.nextSlot;
      this.nextSlot = this.nextSlot + 1 >= this.slots ? 1 : this.nextSlot + 1;
      if (!this.used.has(slot)) {
        this.used.add(slot);
        return slot;
      }
    }
    throw new Error('no free slot in the sandbox network');
  }

  private async removeLeftovers(): Promise<void> {
    const slots = existsSync(this.slotDir) ? readdirSync(this.slotDir).map(Number).filter((n) => Number.isInteger(n)) : [];
    await Promise.all(slots.map((slot) => this.dropSlot(slot)));
  }

  /** The subnets of the host's own IPv4 addresses (its LAN), except the sandbox links'. */
  private async hostSubnets(): Promise<IpRange[]> {
    const out = JSON.parse(await run(this.tools.ip, ['-j', '-4', 'addr', 'show'])) as { ifname: string; addr_info?: { local: string; prefixlen: number }[] }[];
    const subnets: IpRange[] = [];
    for (const iface of out) {
      if (iface.ifname === 'lo' || iface.ifname.startsWith(LINK_PREFIX)) continue;
      for (const a of iface.addr_info ?? []) {
        const ip = parseCidr(a.local);
        const r = ip && rangeOf(4, ip.first, a.prefixlen);
        if (r) subnets.push(r);
      }
    }
    return subnets;
  }
}

class Link implements SandboxLink {
  private elements: { set: string; element: string }[] = [];
  private releasing: Promise<void> | null = null;

  constructor(private readonly net: SandboxNetwork, private readonly slot: number, readonly netns: string, private readonly ifname: string, readonly address: string) {}

  async addElements(elements: { set: string; element: string }[]): Promise<void> {
    const fresh = elements.filter((e) => !this.elements.some((x) => x.set === e.set && x.element === e.element));
    await this.net.nftElements('add', fresh);
    this.elements.push(...fresh);
  }

  async allow(entries: readonly string[]): Promise<void> {
    if (!entries.length) return;
    const rules = await this.net.resolveAllow(entries);
    await this.addElements(linkElements({ ifname: this.ifname, address: this.address }, rules).filter((e) => e.set.startsWith('allow')));
  }

  async restrict(entries: readonly string[]): Promise<void> {
    await this.addElements([{ set: 'only_allowed', element: JSON.stringify(this.ifname) }]);
    await this.allow(entries);
  }

  release(): Promise<void> {
    this.releasing ??= (async () => {
      await this.net.nftElements('delete', this.elements).catch(() => undefined);
      this.elements = [];
      await this.net.dropSlot(this.slot);
    })();
    return this.releasing;
  }
}

/** Runs a tool with optional stdin; resolves with its stdout, rejects with its stderr. */
function run(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')}: ${stderr.trim().split('\n')[0] || `exit ${code}`}`))));
    if (input !== undefined) {
      child.stdin!.on('error', () => undefined); // a tool that exits early: its exit code and stderr tell
      child.stdin!.end(input);
    }
  });
}
