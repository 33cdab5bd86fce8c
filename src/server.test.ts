// The server speaks HTTPS itself when given a certificate and key (a self-signed one
// made here with openssl): /v1 and the CLI work over it with the certificate trusted,
// an untrusted client is refused, plain HTTP gets no answer; half a TLS setting or an
// unreadable file stops the start with a clear error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from './config.js';
import { startServer, type RunningServer } from './server.js';
import { FakeDriver } from '../test/fakes/fake-driver.js';
import { ADMIN_KEY } from '../test/fakes/app.js';
import { runCliAt } from '../test/fakes/cli.js';

let dir: string;
let server: RunningServer;
let cert: Buffer;
const silent = pino({ level: 'silent' });

function tlsEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { HOME: dir, SKYSCALE_DATA_DIR: join(dir, 'data'), SKYSCALE_ADMIN_KEY: ADMIN_KEY, SKYSCALE_WARM_POOL_SIZE: '0', SKYSCALE_PORT: '0',
    SKYSCALE_TLS_CERT: join(dir, 'cert.pem'), SKYSCALE_TLS_KEY: join(dir, 'key.pem'), ...extra };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skyscale-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'));
  server = await startServer(loadConfig(tlsEnv()), silent, new FakeDriver());
});
after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function httpsJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: cert, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('given --tls-cert and --tls-key the server answers over HTTPS, with the certificate trusted', async () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const health = await httpsJson(`${server.url}/healthz`);
  assert.deepEqual([health.status, health.body.status], [200, 'ok']);
  const fns = await httpsJson(`${server.url}/v1/functions`, { authorization: `Bearer ${ADMIN_KEY}` });
  assert.deepEqual(fns, { status: 200, body: { functions: [] } });
});

test('plain HTTP to the TLS port gets no HTTP answer', async () => {
  const plain = server.url.replace('https:', 'http:');
  const outcome = await new Promise<string>((resolve) => {
    const req = httpGet(`${plain}/healthz`, (res) => resolve(`answered ${res.statusCode}`));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
  assert.doesNotMatch(outcome, /^answered 2/);
});

test('the CLI takes an https endpoint: refused while the certificate is not trusted, working with SKYSCALE_CA_CERT', async () => {
  const untrusted = await runCliAt(server.url, ['list', '--json']);
  assert.equal(untrusted.code, 1);
  assert.equal(JSON.parse(untrusted.stdout).error.type, 'ServerUntrusted');
  assert.match(JSON.parse(untrusted.stdout).error.hint, /SKYSCALE_CA_CERT/);
  const trusted = await runCliAt(server.url, ['list', '--json'], { SKYSCALE_CA_CERT: join(dir, 'cert.pem') });
  assert.equal(trusted.code, 0, trusted.stdout + trusted.stderr);
  assert.deepEqual(JSON.parse(trusted.stdout), []);
  const bad = await runCliAt('ftp://example', ['list', '--json']);
  assert.equal(JSON.parse(bad.stdout).error.type, 'InvalidEndpoint');
});

test('half a TLS setting is refused; an unreadable certificate stops the start with its name', async () => {
  assert.throws(() => loadConfig({ ...tlsEnv(), SKYSCALE_TLS_KEY: '' }), /both a certificate and its key/);
  const missing = join(dir, 'nope.pem');
  await assert.rejects(startServer(loadConfig(tlsEnv({ SKYSCALE_TLS_CERT: missing })), silent, new FakeDriver()),
    (e: Error) => e.message.includes(missing) && /ENOENT/.test(e.message));
});
