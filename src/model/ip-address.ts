// IPv4 and IPv6 addresses and CIDR ranges as numbers, for the egress policy: parsing
// (strict, canonical text out), containment and overlap. IPv4-mapped IPv6 addresses
// (::ffff:a.b.c.d) are read as the IPv4 address they carry, so a rule about 10.0.0.0/8
// cannot be stepped around by writing the same address in IPv6 form.

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

export interface IpRange {
  family: IpFamily;
  first: bigint;
  last: bigint;
  prefix: number;
  /** canonical text: "10.0.0.0/8", "fc00::/7" */
  cidr: string;
}

const BITS: Record<IpFamily, number> = { 4: 32, 6: 128 };
const MAPPED_V4 = 0xffffn << 32n;

export function parseIpv4(text: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  let v = 0n;
  for (const part of m.slice(1)) {
    if (part.length > 1 && part.startsWith('0')) return null; // 010.0.0.1 means octal to some parsers: refuse
    const n = Number(part);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

export function parseIpv6(text: string): bigint | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.length > 45) return null;
  let head = text;
  let tailV4: bigint | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): string[] | null => (s === '' ? [] : s.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (!left || !right) return null;
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let v = 0n;
  for (const g of [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right]) {
    if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== null) v = (v & ~0xffffffffn) | tailV4;
  return v;
}

/** An address in either family; IPv4-mapped IPv6 comes back as IPv4. */
export function parseIp(text: string): IpAddress | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIpv6(text.replace(/^\[(.*)\]$/, '$1'));
  if (v6 === null) return null;
  if (v6 >> 32n === MAPPED_V4 >> 32n) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

export function formatIp(a: IpAddress): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((a.value >> BigInt((7 - i) * 16)) & 0xffffn).toString(16));
  // the longest run of zero groups (two or more) becomes "::"
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at === -1) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** "10.0.0.0/8", "fc00::/7", or a bare address (a /32 or /128). The address must be the network's first. */
export function parseCidr(text: string): IpRange | null {
  const [addr, len, extra] = text.split('/');
  if (extra !== undefined || addr === undefined) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const bits = BITS[ip.family];
  // a mapped IPv6 prefix (::ffff:10.0.0.0/104) counts in IPv6 bits
  const mappedShift = ip.family === 4 && addr.includes(':') ? 96 : 0;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return null;
  const prefix = len === undefined ? bits : Number(len) - mappedShift;
  if (prefix < 0 || prefix > bits) return null;
  return rangeOf(ip.family, ip.value, prefix, true);
}

export function rangeOf(family: IpFamily, value: bigint, prefix: number, strict = false): IpRange | null {
  const hostBits = BigInt(BITS[family] - prefix);
  const mask = (1n << hostBits) - 1n;
  if (strict && (value & mask) !== 0n) return null;
  const first = value & ~mask;
  return { family, first, last: first | mask, prefix, cidr: `${formatIp({ family, value: first })}/${prefix}` };
}

export function contains(r: IpRange, a: IpAddress): boolean {
  return r.family === a.family && a.value >= r.first && a.value <= r.last;
}

export function overlaps(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

export function cidrs(...texts: string[]): IpRange[] {
  return texts.map((t) => {
    const r = parseCidr(t);
    if (!r) throw new Error(`not a CIDR range: ${t}`);
    return r;
  });
}
