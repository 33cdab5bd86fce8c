import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import pino from 'pino';
import { parseAllowlist } from '../../model/egress-policy.js';
import { parseCidr } from '../../model/ip-address.js';
import { DnsForwarder, hostResolvers, parseUpstream } from './dns-forwarder.js';
import { elementCommands, linkElements, tableRuleset } from './nftables.js';

test('the table: DNS redirected, the host refused, spoofing dropped, never-ranges before allow entries before the walled ones', () => {
  const text = tableRuleset({ name: 'skyscale_t', range: parseCidr('10.211.0.0/16')!, dnsPort: 5353, hostSubnets: [parseCidr('192.0.2.0/24')!] });
  assert.match(text, /^table inet skyscale_t\ndelete table inet skyscale_t\n/, 'replaces an earlier table of the same name in one transaction');
  assert.match(text, /th dport 53 redirect to :5353/);
  assert.match(text, /iifname @links reject/);
  assert.match(text, /never4 .*127\.0\.0\.0\/8.*169\.254\.0\.0\/16.*10\.211\.0\.0\/16/);
  assert.match(text, /walled4 .*10\.0\.0\.0\/8.*192\.168\.0\.0\/16.*100\.64\.0\.0\/10.*192\.0\.2\.0\/24/);
  // a link held to its allow entries (a dependency build's) is refused everything else, the public internet too
  const order = ['iifname . ip saddr != @owner drop', 'ip daddr @never4', '@allow_port accept', '@allow_any accept', 'iifname @only_allowed reject', 'ip daddr @walled4', '    accept\n'].map((r) => text.indexOf(r));
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'the egress chain keeps its order');
  assert.ok(order.every((i) => i > 0));
});

test('a link\'s elements: its name and address, then its allow entries without overlaps', () => {
  const { rules } = parseAllowlist(['10.0.0.0/8', '10.1.2.3:5432', '192.168.0.0/16:443', '192.168.1.0/24:443', '192.168.1.0/24:80', 'fd00::1', 'db.internal']);
  const elements = linkElements({ ifname: 'skyh7', address: '10.211.0.30' }, rules);
  assert.deepEqual(elements, [
    { set: 'links', element: '"skyh7"' },
    { set: 'owner', element: '"skyh7" . 10.211.0.30' },
    { set: 'allow_any', element: '"skyh7" . 10.0.0.0/8' },
    { set: 'allow_port', element: '"skyh7" . 192.168.0.0/16 . 443' },
    { set: 'allow_port', element: '"skyh7" . 192.168.1.0/24 . 80' },
  ], 'covered entries, IPv6 and unresolved names leave no element');
  assert.equal(elementCommands('delete', 'skyscale_t', elements.slice(0, 1)), 'delete element inet skyscale_t links { "skyh7" }\n');
});

test('upstreams: host[:port], and the IPv4 nameservers of a resolv.conf', async () => {
  assert.deepEqual(parseUpstream('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353 });
  assert.deepEqual(parseUpstream('10.0.0.2'), { host: '10.0.0.2', port: 53 });
  assert.deepEqual(parseUpstream('[fd00::53]:53'), { host: 'fd00::53', port: 53 });
  assert.deepEqual(hostResolvers('/nonexistent'), []);
});

test('the DNS forwarder relays a query from the sandbox network and its answer back; a query from elsewhere gets nothing', async () => {
  const upstream = createSocket('udp4');
  upstream.on('message', (q, from) => upstream.send(Buffer.concat([q, Buffer.from('answer')]), from.port, from.address));
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', () => r()));
  const log = pino({ level: 'silent' });
  const ask = async (fwd: DnsForwarder): Promise<Buffer | null> => {
    const client = createSocket('udp4');
    try {
      return await new Promise<Buffer | null>((resolve) => {
        client.on('message', (m) => resolve(m));
        setTimeout(() => resolve(null), 300).unref();
        client.send(Buffer.from('query'), fwd.port, '127.0.0.1');
      });
    } finally { client.close(); }
  };
  const open = await DnsForwarder.start({ upstreams: [{ host: '127.0.0.1', port: upstream.address().port }], from: parseCidr('127.0.0.0/8')!, log });
  const closed = await DnsForwarder.start({ upstreams: [{ host: '127.0.0.1', port: upstream.address().port }], from: parseCidr('10.211.0.0/16')!, log });
  try {
    assert.equal((await ask(open))?.toString(), 'queryanswer');
    assert.equal(await ask(closed), null, 'not an open resolver');
  } finally {
    await open.close();
    await closed.close();
    upstream.close();
  }
});
