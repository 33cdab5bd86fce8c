// The host's nftables rules for sandboxes with outbound network, rendered from the
// egress policy (model/egress-policy.ts). One table per server (`inet skyscale_<tag>`),
// replaced whole at start; sandboxes come and go as set elements, so attaching one
// never rewrites a rule. A packet from a sandbox's link (its host-side veth):
//
//   DNS (port 53, any address)       → redirected to the control plane's DNS forwarder
//   to the host itself (input)       → refused, except that forwarder's port
//   forwarded, with a source address other than the link's own → dropped (no spoofing)
//   to a never-range or the sandbox network → refused (other sandboxes, loopback, metadata)
//   to an allow entry of that link   → accepted
//   from a link held to its allow entries (a dependency build's) → refused
//   to a private range or one of the host's own subnets → refused
//   anything else (the public internet) → accepted, masqueraded behind the host
//
// Nothing opens a connection into a sandbox: forwarded packets towards a link must
// belong to a connection the sandbox opened. IPv6 from a sandbox is refused (links are
// IPv4 only).
import { NEVER_RANGES, PRIVATE_RANGES, type AllowRule } from '../../model/egress-policy.js';
import type { IpRange } from '../../model/ip-address.js';

export interface TableSpec {
  name: string;
  /** the sandbox network */
  range: IpRange;
  /** where the DNS forwarder listens */
  dnsPort: number;
  /** the host's own subnets (walled like private ranges) */
  hostSubnets: IpRange[];
}

export interface LinkSpec {
  ifname: string;
  /** the sandbox's address on it */
  address: string;
}

const REJECT = 'reject with icmpx admin-prohibited';

function v4(ranges: Iterable<IpRange>): string {
  const list = [...new Set([...ranges].filter((r) => r.family === 4).map((r) => r.cidr))];
  return list.join(', ');
}

/** The whole table, replacing an earlier one of the same name atomically (`nft -f`). */
export function tableRuleset(t: TableSpec): string {
  const never = v4([...NEVER_RANGES.map((w) => w.range), t.range]);
  const walled = v4([...PRIVATE_RANGES.map((w) => w.range), ...t.hostSubnets]);
  return `table inet ${t.name}
delete table inet ${t.name}
table inet ${t.name} {
  set links { type ifname; }
  set owner { type ifname . ipv4_addr; }
  set allow_port { type ifname . ipv4_addr . inet_service; flags interval; }
  set allow_any { type ifname . ipv4_addr; flags interval; }
  set only_allowed { type ifname; }
  set never4 { type ipv4_addr; flags interval; auto-merge; elements = { ${never} } }
  set walled4 { type ipv4_addr; flags interval; auto-merge; elements = { ${walled} } }
  chain dns {
    type nat hook prerouting priority dstnat; policy accept;
    iifname @links meta l4proto { tcp, udp } th dport 53 redirect to :${t.dnsPort}
  }
  chain host_in {
    type filter hook input priority filter - 10; policy accept;
    iifname @links meta l4proto { tcp, udp } th dport ${t.dnsPort} accept
    iifname @links ${REJECT}
  }
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    oifname @links ct state established,related accept
    oifname @links ${REJECT}
    iifname @links jump egress
  }
  chain egress {
    meta nfproto ipv6 ${REJECT}
    iifname . ip saddr != @owner drop
    ip daddr @never4 ${REJECT}
    meta l4proto { tcp, udp } iifname . ip daddr . th dport @allow_port accept
    iifname . ip daddr @allow_any accept
    iifname @only_allowed ${REJECT}
    ip daddr @walled4 ${REJECT}
    accept
  }
  chain nat_out {
    type nat hook postrouting priority srcnat; policy accept;
    iifname @links oifname != @links masquerade
  }
}
`;
}

/** The set elements of one link and its allow rules (IPv4 ones: links have no IPv6). */
export function linkElements(link: LinkSpec, rules: readonly AllowRule[]): { set: string; element: string }[] {
  const name = JSON.stringify(link.ifname);
  const out = [{ set: 'links', element: name }, { set: 'owner', element: `${name} . ${link.address}` }];
  const v4rules = rules.filter((r) => r.range?.family === 4);
  // overlapping elements of one concatenated interval set are refused: keep the widest
  const covered = (r: AllowRule): boolean => v4rules.some((o) => o !== r && (o.port === null || o.port === r.port)
    && o.range!.first <= r.range!.first && r.range!.last <= o.range!.last && (o.range!.prefix < r.range!.prefix || o.port !== r.port || v4rules.indexOf(o) < v4rules.indexOf(r)));
  for (const r of v4rules) {
    if (covered(r) || !r.range) continue;
    out.push(r.port === null ? { set: 'allow_any', element: `${name} . ${r.range.cidr}` } : { set: 'allow_port', element: `${name} . ${r.range.cidr} . ${r.port}` });
  }
  return out;
}

export function elementCommands(op: 'add' | 'delete', table: string, elements: readonly { set: string; element: string }[]): string {
  return elements.map((e) => `${op} element inet ${table} ${e.set} { ${e.element} }\n`).join('');
}
