import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EgressPolicy, parseAllowEntry, parseAllowlist, resolveAllowRules, type AllowRule } from './egress-policy.js';
import { formatIp, parseCidr, parseIp } from './ip-address.js';

test('addresses parse strictly; IPv4-mapped IPv6 reads as the IPv4 address it carries', () => {
  assert.deepEqual(parseIp('10.1.2.3'), { family: 4, value: 0x0a010203n });
  assert.deepEqual(parseIp('::ffff:10.1.2.3'), { family: 4, value: 0x0a010203n });
  assert.deepEqual(parseIp('[::ffff:a01:203]'), { family: 4, value: 0x0a010203n });
  for (const bad of ['010.0.0.1', '1.2.3', '256.1.1.1', '1::2::3', 'fe80::1%eth0', 'example.com', '']) assert.equal(parseIp(bad), null, bad);
  assert.equal(formatIp(parseIp('fd00:0:0:0:0:0:0:1')!), 'fd00::1');
  assert.equal(formatIp(parseIp('2001:db8:0:1:0:0:0:1')!), '2001:db8:0:1::1');
  assert.equal(parseCidr('10.0.0.0/8')!.cidr, '10.0.0.0/8');
  assert.equal(parseCidr('10.0.0.1/8'), null, 'a CIDR must name its network');
  assert.equal(parseCidr('::ffff:10.0.0.0/104')!.cidr, '10.0.0.0/8');
});

test('allow entries: addresses, ranges and names, with or without a port, in canonical form', () => {
  const texts = (list: unknown[]): string[] => parseAllowlist(list).rules.map((r) => r.text);
  assert.deepEqual(texts(['10.1.2.3:5432', 'DB.Internal:5432', '192.168.0.0/16', '10.0.0.0/8:443', '[fd00::1]:5432', 'fd00::/8', 'api.example.com', '10.1.2.3:5432']),
    ['10.1.2.3:5432', 'db.internal:5432', '192.168.0.0/16', '10.0.0.0/8:443', '[fd00::1]:5432', 'fd00::/8', 'api.example.com']);
  const rule = parseAllowEntry('10.1.2.3:5432') as AllowRule;
  assert.equal(rule.port, 5432);
  assert.equal(rule.range!.cidr, '10.1.2.3/32');
  assert.equal((parseAllowEntry('db.internal') as AllowRule).range, null, 'a name is resolved later');
});

test('allow entries that could open the loopback, link-local or metadata addresses are refused, each problem listed', () => {
  const { problems } = parseAllowlist(['127.0.0.1:8080', '169.254.169.254', '0.0.0.0/0', 'fe80::/64', 'localhost:80', '10.0.0.1/8', 'db:0', 'db:70000', 'a b', 42, '224.0.0.1']);
  assert.equal(problems.length, 11, problems.join('\n'));
  assert.match(problems[1]!, /169\.254\.0\.0\/16 \(link-local/);
  assert.match(problems[2]!, /can never be allowed/);
  assert.deepEqual(parseAllowlist('10.0.0.0/8').problems, ['allow must be a list of "host", "host:port" or CIDR strings']);
  assert.match(parseAllowlist(Array.from({ length: 65 }, (_, i) => `10.0.0.${i}`)).problems[0]!, /at most 64/);
});

test('the walls: loopback, link-local, metadata and private ranges are refused, public addresses reached', () => {
  const p = new EgressPolicy();
  for (const a of ['127.0.0.1', '169.254.169.254', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255',
    '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '64:ff9b::a00:1']) {
    assert.equal(p.check(a, 80).allowed, false, a);
  }
  for (const a of ['198.51.100.10', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2001:db8::1']) assert.equal(p.check(a, 443).allowed, true, a);
  assert.match((p.check('169.254.169.254', 80) as { reason: string }).reason, /link-local/);
  assert.equal(p.check('not an address', 80).allowed, false);
});

test('an allow entry opens exactly its addresses and port; extra walls hold whatever the entries say', () => {
  const { rules } = parseAllowlist(['10.1.2.3:5432', '192.168.0.0/16']);
  const p = new EgressPolicy(rules, [{ range: parseCidr('10.211.0.0/16')!, why: 'the sandbox network' }]);
  assert.equal(p.check('10.1.2.3', 5432).allowed, true);
  assert.equal(p.check('10.1.2.3', 5433).allowed, false, 'another port');
  assert.equal(p.check('10.1.2.4', 5432).allowed, false, 'another address');
  assert.equal(p.check('192.168.77.10', 80).allowed, true, 'a whole range, every port');
  assert.equal(p.check('10.211.0.2', 80).allowed, false, 'the sandbox network stays walled');
  assert.equal(new EgressPolicy(parseAllowlist(['10.211.0.0/16']).rules, [{ range: parseCidr('10.211.0.0/16')!, why: 'the sandbox network' }]).check('10.211.0.6', 80).allowed, false);
});

test('names resolve to address rules; addresses in never-ranges and failed look-ups are dropped', async () => {
  const { rules } = parseAllowlist(['db.internal:5432', 'evil.example', 'gone.example', '10.9.9.9']);
  const answers: Record<string, string[]> = { 'db.internal': ['10.1.2.3', '10.1.2.4'], 'evil.example': ['127.0.0.1', '169.254.169.254', '192.168.5.5'] };
  const resolved = await resolveAllowRules(rules, async (name) => {
    if (!answers[name]) throw new Error('NXDOMAIN');
    return answers[name]!;
  });
  assert.deepEqual(resolved.map((r) => `${r.range!.cidr}:${r.port ?? '*'}`), ['10.1.2.3/32:5432', '10.1.2.4/32:5432', '192.168.5.5/32:*', '10.9.9.9/32:*']);
  const p = new EgressPolicy(resolved);
  assert.equal(p.check('10.1.2.4', 5432).allowed, true);
  assert.equal(p.check('127.0.0.1', 80).allowed, false);
});

test('a host the control plane would connect to is allowed only when every address it resolves to is', async () => {
  const p = new EgressPolicy();
  const dns = async (name: string): Promise<string[]> => ({ 'hooks.example': ['198.51.100.7'], 'rebind.example': ['198.51.100.7', '169.254.169.254'] } as Record<string, string[]>)[name] ?? [];
  assert.deepEqual(await p.checkHost('hooks.example', 443, dns), { allowed: true, addresses: ['198.51.100.7'] });
  assert.match((await p.checkHost('rebind.example', 443, dns) as { reason: string }).reason, /link-local/);
  assert.equal((await p.checkHost('nothing.example', 443, dns)).allowed, false);
  assert.equal((await p.checkHost('127.0.0.1', 8080, dns)).allowed, false, 'the control plane itself');
});
