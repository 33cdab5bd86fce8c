import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, memoryBudget } from './config.js';

const base = { HOME: '/tmp/skyscale-config-test' };

test('the request gate settings: timeouts and per-key limits have their documented defaults', () => {
  const c = loadConfig(base);
  assert.deepEqual([c.headersTimeoutMs, c.requestTimeoutMs, c.keepAliveTimeoutMs], [10_000, 60_000, 5_000]);
  assert.deepEqual([c.keyRate, c.keyBurst, c.keyConcurrency, c.urlRate, c.urlBurst, c.unverifiedBodyMb], [1000, 2000, 100, 100, 200, 128]);
});

test('environment variables and flags set them; the burst follows the rate unless set; 0 lifts a limit', () => {
  const c = loadConfig({ ...base, SKYSCALE_KEY_RATE: '5', SKYSCALE_URL_RATE: '0', SKYSCALE_KEY_CONCURRENCY: '0' }, { 'request-timeout': '30', 'url-burst': '7' });
  assert.deepEqual([c.keyRate, c.keyBurst, c.keyConcurrency, c.urlRate, c.urlBurst, c.requestTimeoutMs], [5, 10, 0, 0, 7, 30_000]);
});

test('a headers timeout longer than the request timeout is refused, with every problem at once', () => {
  assert.throws(() => loadConfig({ ...base, SKYSCALE_HEADERS_TIMEOUT_SECONDS: '90', SKYSCALE_KEY_RATE: '-1' }),
    (e: Error & { details?: { problems: string[] } }) => e.details?.problems.length === 2 && /headers timeout must not be longer/.test(e.message));
});
import { SkyscaleError } from './errors.js';

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

test('the pre-warmed pool keeps python/128 MB of each network mode, Node.js only when used; SKYSCALE_WARM_POOLS entries may name a mode', () => {
  const c = loadConfig({ ...base, SKYSCALE_WARM_POOL_SIZE: '3', SKYSCALE_WARM_POOLS: 'python:256=2,python:512:none=1,python:128:none=0,node24:128:none=1' });
  assert.deepEqual(c.warmPools.map((p) => `${p.runtime}:${p.memoryMb}:${p.network}=${p.size}${p.whenUsed ? ' when used' : ''}`),
    ['python:128:none=0', 'python:128:outbound=3', 'node22:128:none=3 when used', 'node22:128:outbound=3 when used', 'node24:128:none=1',
      'node24:128:outbound=3 when used', 'python:256:outbound=2', 'python:512:none=1']);
  assert.throws(() => loadConfig({ ...base, SKYSCALE_WARM_POOLS: 'python:256:wifi=1' }), /python:<memory MB 128-10240>\[:none\|:outbound\]=<size>/);
});

test('the memory budget: 80% of host memory by default, a share or MB when set, a clear problem otherwise', () => {
  const host = 24 * 1024 * 1024 * 1024;
  const problems: string[] = [];
  assert.equal(memoryBudget(undefined, problems, host), 19660);
  assert.equal(memoryBudget('50%', problems, host), 12288);
  assert.equal(memoryBudget('4096', problems, host), 4096);
  assert.deepEqual(problems, []);
  for (const bad of ['0%', '150%', '64', 'lots', '4096MB']) memoryBudget(bad, problems, host);
  assert.equal(problems.length, 5);
  assert.match(problems[0]!, /memory budget must be a share of host memory from 1% to 100% \(e\.g\. "80%"\) or a number of MB from 128 \(got "0%"\)/);
  assert.equal(loadConfig({ ...base, SKYSCALE_MEMORY_BUDGET: '2048' }).memoryBudgetMb, 2048);
});

test('dependency build settings: documented defaults; limits, hosts, a private index and the CA file can be set; bad hosts are refused', () => {
  const c = loadConfig(base);
  assert.deepEqual([c.buildTimeoutMs, c.buildMaxBytes, c.buildMemoryMb], [300_000, 200 * 1024 * 1024, 1024]);
  assert.deepEqual(c.buildHosts, ['pypi.org', 'files.pythonhosted.org', 'registry.npmjs.org']);
  assert.deepEqual([c.buildPipIndexUrl, c.buildNpmRegistry], [null, null]);
  const set = loadConfig({ ...base, SKYSCALE_BUILD_TIMEOUT_S: '60', SKYSCALE_BUILD_MAX_MB: '50', SKYSCALE_BUILD_HOSTS: 'pypi.internal:443, 10.0.0.0/8', SKYSCALE_BUILD_PIP_INDEX_URL: 'https://pypi.internal/simple', SKYSCALE_BUILD_CA_FILE: 'none' });
  assert.deepEqual([set.buildTimeoutMs, set.buildMaxBytes, set.buildHosts, set.buildPipIndexUrl, set.buildCaFile], [60_000, 50 * 1024 * 1024, ['pypi.internal:443', '10.0.0.0/8'], 'https://pypi.internal/simple', null]);
  assert.equal(loadConfig({ ...base, SKYSCALE_BUILD_CA_FILE: '/etc/proxy-ca.pem' }).buildCaFile, '/etc/proxy-ca.pem');
  assert.throws(() => loadConfig({ ...base, SKYSCALE_BUILD_HOSTS: '127.0.0.1', SKYSCALE_BUILD_MAX_MB: '999' }),
    (e: Error & { details?: { problems: string[] } }) => e.details?.problems.length === 2 && /build hosts: /.test(e.message));
});
