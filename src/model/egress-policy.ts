// The one egress policy: which destinations a connection made on a function's behalf
// may reach. Every path out goes through these rules — a sandbox's own traffic (the
// host's nftables rules are rendered from them, src/sandbox/network/), and later
// dependency builds and webhook destinations, which check an address with
// EgressPolicy.check() before connecting.
//
//   never     loopback, "this network", link-local (169.254.0.0/16 holds the cloud
//             metadata address 169.254.169.254; fe80::/10), multicast, reserved, and
//             whatever the caller adds (the host's own addresses, the sandbox network)
//   private   10/8, 172.16/12, 192.168/16, 100.64/10 (shared address space), fc00::/7,
//             64:ff9b::/96 (NAT64 reaches the IPv4 private ranges): refused unless an
//             allow entry names them
//   public    everything else: reachable
//
// Allow entries: "10.1.2.3:5432", "db.internal:5432", "192.168.0.0/16",
// "10.0.0.0/8:443", "[fd00::1]:5432", "fd00::/8", "api.example.com". A name is resolved
// when the rule is applied (resolveAllowRules), and its addresses are allowed like a
// written address. An entry can open a private range, never a range of the first kind.
import { contains, formatIp, overlaps, parseCidr, parseIp, type IpAddress, type IpRange } from './ip-address.js';

export type NetworkMode = 'none' | 'outbound';
export const NETWORK_MODES: readonly NetworkMode[] = ['none', 'outbound'];
export const MAX_ALLOW_ENTRIES = 64;

export interface WalledRange {
  range: IpRange;
  why: string;
}

function walled(why: string, ...texts: string[]): WalledRange[] {
  return texts.map((t) => ({ range: parseCidr(t)!, why }));
}

export const NEVER_RANGES: readonly WalledRange[] = [
  ...walled('loopback', '127.0.0.0/8', '::1/128'),
  ...walled('"this network"', '0.0.0.0/8', '::/128'),
  ...walled('link-local (cloud metadata lives here)', '169.254.0.0/16', 'fe80::/10'),
  ...walled('multicast', '224.0.0.0/4', 'ff00::/8'),
  ...walled('reserved', '240.0.0.0/4'),
];

export const PRIVATE_RANGES: readonly WalledRange[] = [
  ...walled('private', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'),
  ...walled('shared address space', '100.64.0.0/10'),
  ...walled('NAT64', '64:ff9b::/96'),
];

export interface AllowRule {
  /** canonical text, as stored */
  text: string;
  /** the addresses it opens; null for a name not resolved yet */
  range: IpRange | null;
  /** the DNS name it was written with, if any */
  name: string | null;
  /** one port, or every port */
  port: number | null;
}

const NAME = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** One allow entry, or the problem with it. */
export function parseAllowEntry(entry: unknown): AllowRule | string {
  if (typeof entry !== 'string' || entry.length === 0 || entry.length > 300) return `allow entries must be non-empty strings (got ${JSON.stringify(entry)})`;
  const text = entry.trim();
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [host, portText] = text.split(':') as [string, string];
  }
  let port: number | null = null;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return `allow entry ${JSON.stringify(entry)}: the port must be a number from 1 to 65535`;
    port = Number(portText);
  }
  const suffix = port === null ? '' : `:${port}`;
  const range = parseCidr(host);
  if (range) {
    const never = NEVER_RANGES.find((w) => overlaps(w.range, range));
    if (never) return `allow entry ${JSON.stringify(entry)} overlaps ${never.range.cidr} (${never.why}), which can never be allowed`;
    const single = range.prefix === (range.family === 4 ? 32 : 128);
    const shown = single ? formatIp({ family: range.family, value: range.first }) : range.cidr;
    return { text: range.family === 6 && port !== null ? `[${shown}]${suffix}` : `${shown}${suffix}`, range, name: null, port };
  }
  if (/^[\d.]+(\/\d+)?$/.test(host) || host.includes('/') || host.includes(':')) return `allow entry ${JSON.stringify(entry)} is not a valid address, CIDR range or host name`;
  if (!NAME.test(host)) return `allow entry ${JSON.stringify(entry)} is not a valid address, CIDR range or host name`;
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return `allow entry ${JSON.stringify(entry)} names the loopback, which can never be allowed`;
  return { text: `${name}${suffix}`, range: null, name, port };
}

/** A whole allowlist: the rules, canonical and without duplicates, and every problem found. */
export function parseAllowlist(raw: unknown): { rules: AllowRule[]; problems: string[] } {
  if (!Array.isArray(raw)) return { rules: [], problems: ['allow must be a list of "host", "host:port" or CIDR strings'] };
  const problems: string[] = [];
  if (raw.length > MAX_ALLOW_ENTRIES) problems.push(`allow has ${raw.length} entries; at most ${MAX_ALLOW_ENTRIES}`);
  const rules = new Map<string, AllowRule>();
  for (const entry of raw) {
    const r = parseAllowEntry(entry);
    if (typeof r === 'string') problems.push(r);
    else rules.set(r.text, r);
  }
  return { rules: [...rules.values()], problems };
}

/**
 * Name rules turned into address rules, one per address the name resolves to; an
 * address in a never-range is dropped (a name cannot open the loopback or the
 * metadata address), and so is a name that does not resolve.
 */
export async function resolveAllowRules(rules: readonly AllowRule[], resolve: (name: string) => Promise<string[]>): Promise<AllowRule[]> {
  const out: AllowRule[] = [];
  for (const rule of rules) {
    if (rule.range) {
      out.push(rule);
      continue;
    }
    const addresses = await resolve(rule.name!).catch(() => [] as string[]);
    for (const text of addresses) {
      const range = parseCidr(text);
      if (!range || NEVER_RANGES.some((w) => overlaps(w.range, range))) continue;
      out.push({ ...rule, range });
    }
  }
  return out;
}

export type EgressVerdict = { allowed: true; by: string } | { allowed: false; reason: string };

export class EgressPolicy {
  /**
   * @param rules address rules (names resolved already: resolveAllowRules)
   * @param walls ranges refused beyond NEVER_RANGES whatever the rules say (the host's own addresses, the sandbox network)
   */
  constructor(readonly rules: readonly AllowRule[] = [], private readonly walls: readonly WalledRange[] = []) {}

  /** May a connection to `address`:`port` be made? */
  check(address: string | IpAddress, port: number): EgressVerdict {
    const ip = typeof address === 'string' ? parseIp(address) : address;
    if (!ip) return { allowed: false, reason: `${String(address)} is not an IP address` };
    const shown = formatIp(ip);
    const never = [...NEVER_RANGES, ...this.walls].find((w) => contains(w.range, ip));
    if (never) return { allowed: false, reason: `${shown} is in ${never.range.cidr} (${never.why})` };
    const rule = this.rules.find((r) => r.range && contains(r.range, ip) && (r.port === null || r.port === port));
    if (rule) return { allowed: true, by: `allow entry ${rule.text}` };
    const priv = PRIVATE_RANGES.find((w) => contains(w.range, ip));
    if (priv) return { allowed: false, reason: `${shown} is in ${priv.range.cidr} (${priv.why}) and no allow entry names it` };
    return { allowed: true, by: 'public address' };
  }

  /**
   * For a connection the control plane makes on a function's behalf (a webhook, a
   * package index): the host resolved, every address checked. Connect only to the
   * addresses returned, never by name again (a second look-up may answer otherwise).
   */
  async checkHost(host: string, port: number, resolve: (name: string) => Promise<string[]>): Promise<{ allowed: true; addresses: string[] } | { allowed: false; reason: string }> {
    const addresses = parseIp(host) ? [host] : await resolve(host).catch((err: Error) => { throw new Error(`${host} does not resolve: ${err.message}`); });
    if (!addresses.length) return { allowed: false, reason: `${host} has no address` };
    for (const a of addresses) {
      const v = this.check(a, port);
      if (!v.allowed) return { allowed: false, reason: `${host}: ${v.reason}` };
    }
    return { allowed: true, addresses };
  }
}
