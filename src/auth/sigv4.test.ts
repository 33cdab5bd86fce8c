import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { SkyscaleError } from '../errors.js';
import { canonicalPath, canonicalQuery, deriveSigningKey, SigV4Verifier, type SignedRequest } from './sigv4.js';

const ID = 'key1';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEY = { id: ID, role: 'admin' as const, name: 'test', functions: null, expiresAt: null };
const secrets = { signingSecret: (id: string) => (id === ID ? { key: KEY, secret: SECRET } : id === 'old' ? { key: { ...KEY, id }, secret: null } : undefined) };

/** node:crypto behind the Hash interface the smithy signer takes */
class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key = secret === undefined || typeof secret === 'string' ? secret : Buffer.from(secret instanceof ArrayBuffer ? secret : secret.buffer.slice(secret.byteOffset, secret.byteOffset + secret.byteLength));
    this.h = key === undefined ? createHash('sha256') : createHmac('sha256', key);
  }
  update(data: Uint8Array | string): void {
    this.h.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

const SIGNED_AT = new Date('2026-03-01T12:00:00Z');

async function signed(opts: { path: string; query?: Record<string, string>; body?: string; secret?: string; date?: Date; method?: string; contentHash?: boolean }): Promise<SignedRequest> {
  const signer = new SignatureV4({ service: 'lambda', region: 'us-east-1', sha256: NodeSha256, credentials: { accessKeyId: ID, secretAccessKey: opts.secret ?? SECRET }, applyChecksum: opts.contentHash !== false });
  const body = opts.body ?? '';
  const request = {
    method: opts.method ?? 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 8080, path: opts.path, query: opts.query ?? {},
    headers: {
      host: '127.0.0.1:8080', 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)),
      ...(opts.contentHash === false ? {} : { 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') }),
    },
    body,
  };
  const out = await signer.sign(request, { signingDate: opts.date ?? SIGNED_AT });
  const qs = new URLSearchParams(out.query as Record<string, string>).toString().replace(/\+/g, '%20');
  const headers = Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { method: out.method, url: `${out.path}${qs ? `?${qs}` : ''}`, headers, body: Buffer.from(body) };
}

const verifier = new SigV4Verifier(secrets, 'lambda', () => SIGNED_AT.getTime() + 60_000);

function refusedAs(fn: () => unknown, type: string, message?: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof SkyscaleError && e.type === type && (!message || message.test(e.message)));
}

test('a request signed by the AWS signer verifies, including an encoded ARN path and a query', async () => {
  const req = await signed({ path: '/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Ahello/invocations', query: { Qualifier: 'live' }, body: '{"a":1}' });
  assert.deepEqual(verifier.verify(req), KEY);
});

test('known answer: the canonical path escapes the encoded path again; the query is sorted and escaped', () => {
  assert.equal(canonicalPath('/2015-03-31/functions/a%3Ab/x'), '/2015-03-31/functions/a%253Ab/x');
  assert.equal(canonicalPath('/a//b/./c/../d/'), '/a/b/d/');
  assert.equal(canonicalQuery('b=2&a=x%20y&a=1&MaxItems=5'), 'MaxItems=5&a=1&a=x%20y&b=2');
});

test('known answer: the AWS documentation example signing key', () => {
  // from the AWS SigV4 docs: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam
 assert.equal(deriveSigningKey('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', '20120215', 'us-east-1', 'iam').toString('hex'), 'f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d');
});

test('a wrong secret is refused', async () => {
  const req = await signed({ path: '/2015-03-31/functions', body: '{}', secret: 'not-the-secret' });
  refusedAs(() => verifier.verify(req), 'InvalidSignature', /does not match/);
});

test('a tampered body is refused, with or without a matching content hash header', async () => {
  const req = await signed({ path: '/2015-03-31/functions/f/invocations', body: '{"amount":1}' });
  refusedAs(() => verifier.verify({ ...req, body: Buffer.from('{"amount":9}') }), 'InvalidSignature', /x-amz-content-sha256/);
  const rehashed = { ...req, body: Buffer.from('{"amount":9}'), headers: { ...req.headers, 'x-amz-content-sha256': createHash('sha256').update('{"amount":9}').digest('hex') } };
  refusedAs(() => verifier.verify(rehashed), 'InvalidSignature', /does not match/);
});

test('a changed path or query is refused', async () => {
  const req = await signed({ path: '/2015-03-31/functions/f', method: 'GET', query: { Qualifier: '1' } });
  assert.deepEqual(verifier.verify(req), KEY);
  refusedAs(() => verifier.verify({ ...req, url: req.url.replace('Qualifier=1', 'Qualifier=2') }), 'InvalidSignature');
  refusedAs(() => verifier.verify({ ...req, url: req.url.replace('/f?', '/g?') }), 'InvalidSignature');
});

test('a date more than 15 minutes off is refused', async () => {
  const stale = await signed({ path: '/2015-03-31/functions', date: new Date(SIGNED_AT.getTime() - 20 * 60_000) });
  refusedAs(() => verifier.verify(stale), 'InvalidSignature', /expired/);
  const future = await signed({ path: '/2015-03-31/functions', date: new Date(SIGNED_AT.getTime() + 17 * 60_000) });
  refusedAs(() => verifier.verify(future), 'InvalidSignature', /expired/);
});

test('an unknown key id, or a key without a stored secret, gets the very answer a wrong secret gets', async () => {
  const req = await signed({ path: '/2015-03-31/functions' });
  const auth = String(req.headers.authorization);
  const answer = (r: SignedRequest) => {
    try {
      verifier.verify(r);
    } catch (e) {
      return { type: (e as SkyscaleError).type, message: (e as SkyscaleError).message, hint: (e as SkyscaleError).hint };
    }
    return 'verified';
  };
  const wrongSecret = answer(await signed({ path: '/2015-03-31/functions', secret: 'not-the-secret' }));
  assert.equal((wrongSecret as { type: string }).type, 'InvalidSignature');
  assert.deepEqual(answer({ ...req, headers: { ...req.headers, authorization: auth.replace(`Credential=${ID}/`, 'Credential=nobody/') } }), wrongSecret);
  assert.deepEqual(answer({ ...req, headers: { ...req.headers, authorization: auth.replace(`Credential=${ID}/`, 'Credential=old/') } }), wrongSecret);
});

test('with x-amz-content-sha256 the whole signature is checked from the headers; without it, once the body is there', async () => {
  const req = await signed({ path: '/2015-03-31/functions/f/invocations', body: '{"a":1}' });
  const head = { method: req.method, url: req.url, headers: req.headers };
  const early = verifier.begin(head);
  assert.deepEqual(early.key, KEY);
  early.finish!(req.body);
  assert.throws(() => early.finish!(Buffer.from('{"a":2}')), /x-amz-content-sha256/);
  const wrong = await signed({ path: '/2015-03-31/functions/f/invocations', body: '{"a":1}', secret: 'not-the-secret' });
  refusedAs(() => verifier.begin({ method: wrong.method, url: wrong.url, headers: wrong.headers }), 'InvalidSignature', /does not match/);

  // botocore signs without the header: the key is known from the headers, the signature needs the body
  const bare = await signed({ path: '/2015-03-31/functions/f/invocations', body: '{"a":1}', contentHash: false });
  assert.equal(bare.headers['x-amz-content-sha256'], undefined);
  const late = verifier.begin({ method: bare.method, url: bare.url, headers: bare.headers });
  assert.deepEqual(late.key, KEY);
  late.finish!(bare.body);
  refusedAs(() => late.finish!(Buffer.from('{"a":2}')), 'InvalidSignature', /does not match/);
});

test('a malformed Authorization header is refused clearly', () => {
  refusedAs(() => verifier.verify({ method: 'GET', url: '/', headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x' }, body: Buffer.alloc(0) }), 'InvalidSignature', /Credential/);
});
