import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.js';
import { SkyscaleError } from './errors.js';

const base = { HOME: '/tmp/skyscale-config-test' };

test('network settings: outbound by default, a /16 sandbox network, the host\'s resolvers; each can be set', () => {
  const c = loadConfig(base);
  assert.equal(c.defaultNetwork, 'outbound');
  assert.equal(c.sandboxNetwork, '10.211.0.0/16');
  assert.equal(c.dnsServers, null);
  const set = loadConfig({ ...base, SKYSCALE_DEFAULT_NETWORK: 'none', SKYSCALE_SANDBOX_NETWORK: '10.99.0.0/20', SKYSCALE_DNS_SERVERS: '127.0.0.1:5353, 10.0.0.2' });
  assert.deepEqual([set.defaultNetwork, set.sandboxNetwork, set.dnsServers], ['none', '10.99.0.0/20', ['127.0.0.1:5353', '10.0.0.2']]);
});

test('bad network settings are each named', () => {
  assert.throws(() => loadConfig({ ...base, SKYSCALE_DEFAULT_NETWORK: 'all', SKYSCALE_SANDBOX_NETWORK: '10.0.0.0/30', SKYSCALE_DNS_SERVERS: 'dns.example' }), (e: SkyscaleError) => {
    const problems = (e.details as { problems: string[] }).problems;
    assert.equal(problems.length, 3, problems.join('\n'));
    return true;
  });
  assert.throws(() => loadConfig({ ...base, SKYSCALE_SANDBOX_NETWORK: 'fd00::/64' }), /sandbox network must be an IPv4 CIDR range/);
});

test('the pre-warmed pool keeps python/128 MB of each network mode; SKYSCALE_WARM_POOLS entries may name a mode', () => {
  const c = loadConfig({ ...base, SKYSCALE_WARM_POOL_SIZE: '3', SKYSCALE_WARM_POOLS: 'python:256=2,python:512:none=1,python:128:none=0' });
  assert.deepEqual(c.warmPools.map((p) => `${p.runtime}:${p.memoryMb}:${p.network}=${p.size}`),
    ['python:128:none=0', 'python:128:outbound=3', 'python:256:outbound=2', 'python:512:none=1']);
  assert.throws(() => loadConfig({ ...base, SKYSCALE_WARM_POOLS: 'python:256:wifi=1' }), /python:<memory MB 128-10240>\[:none\|:outbound\]=<size>/);
});
