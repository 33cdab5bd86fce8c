import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, normalizeSettings, SECRET_MASK } from './function-config.js';
import { SkyscaleError } from '../errors.js';

test('fills defaults: python3.11, handler.handler, 128 MB, 3 s', () => {
  assert.deepEqual(normalizeSettings({}), DEFAULT_SETTINGS);
  assert.deepEqual(normalizeSettings({ memory: 256, timeout: 10, env: { A: 'b' } }), { ...DEFAULT_SETTINGS, memoryMb: 256, timeoutS: 10, env: { A: 'b' } });
});

test('accepts names shaped like runtimes (python3.N, nodejsN.x); which ones a node serves is the registry\'s check', () => {
  for (const r of ['python3.8', 'python3.13', 'nodejs22.x', 'nodejs24.x']) assert.equal(normalizeSettings({ runtime: r }).runtime, r);
  for (const r of ['nodejs22', 'node22.x', 'python3', 'python3.x', 'ruby3.3', 'provided']) {
    assert.throws(() => normalizeSettings({ runtime: r }), /runtime must be a runtime name such as python3\.11 or nodejs22\.x/, r);
  }
});

test('lists every problem at once', () => {
  assert.throws(() => normalizeSettings({ runtime: 'ruby', memory: 5, timeout: 0, env: { 'bad-key': 'x', AWS_REGION: 'x', N: 1 as unknown as string }, handler: 'nodot' }),
    (e: SkyscaleError) => {
      assert.equal(e.type, 'InvalidFunctionConfig');
      const problems = (e.details as { problems: string[] }).problems;
      assert.equal(problems.length, 7, problems.join('\n'));
      return true;
    });
});

test('refuses handler paths that climb out of the package', () => {
  assert.throws(() => normalizeSettings({ handler: '../x.handler' }), /handler must look like/);
});

test('secret env values: sealed by the sealer given, kept by the mask, counted in the size limit, never echoed in a problem', () => {
  const sealer = { seal: (key: string, v: string) => `sealed(${key}:${v.length})`, open: () => 'x'.repeat(4000) };
  const s = normalizeSettings({ env: { A: 'plain', B: { secret: 'pw' } } }, undefined, undefined, sealer);
  assert.deepEqual([s.env, s.secretEnv], [{ A: 'plain' }, { B: 'sealed(B:2)' }]);
  const kept = normalizeSettings({ env: { B: { secret: SECRET_MASK } } }, { ...s, secretEnv: { B: 'stored' } }, undefined, { ...sealer, open: () => 'pw' });
  assert.deepEqual([kept.env, kept.secretEnv], [{}, { B: 'stored' }], 'the mask keeps the stored value; the plain variable left out is gone');
  assert.throws(() => normalizeSettings({ env: { B: { secret: SECRET_MASK }, C: 'y'.repeat(200) } }, { ...s, secretEnv: { B: 'stored' } }, undefined, sealer),
    /env is larger than 4096 bytes/, 'a kept secret counts with its real size');
  assert.throws(() => normalizeSettings({ env: { B: { secret: SECRET_MASK } } }, undefined, undefined, sealer), /keeps the stored secret, and there is none/);
  assert.throws(() => normalizeSettings({ env: { B: { secret: 'pw' } } }), /can only be stored by the server/, 'without a sealer nothing is stored');
  assert.throws(() => normalizeSettings({ env: { B: { secret: 'topsecret', also: 1 }, C: { secret: 7 } } }, undefined, undefined, sealer), (e: SkyscaleError) => {
    assert.equal((e.details as { problems: string[] }).problems.length, 2);
    assert.ok(!e.message.includes('topsecret'), e.message);
    return true;
  });
});

test('network: none or outbound; allow entries in canonical form, every bad one named', () => {
  assert.equal(DEFAULT_SETTINGS.network, 'outbound', 'like Lambda, unless the server says otherwise');
  const s = normalizeSettings({ network: 'outbound', allow: ['10.1.2.3:5432', 'db.internal:5432', '192.168.0.0/16', '10.1.2.3:5432'] });
  assert.deepEqual(s.allow, ['10.1.2.3:5432', 'db.internal:5432', '192.168.0.0/16']);
  assert.equal(normalizeSettings({ network: 'none' }).network, 'none');
  assert.throws(() => normalizeSettings({ network: 'on', allow: ['169.254.169.254:80', 'x:99999', 7], memory: 1 }), (e: SkyscaleError) => {
    const problems = (e.details as { problems: string[] }).problems;
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.match(problems.join('\n'), /network must be one of none, outbound/);
    return true;
  });
  assert.throws(() => normalizeSettings({ network: 'none', allow: ['10.0.0.0/8'] }), /allow needs network "outbound"/);
  const base = normalizeSettings({ allow: ['10.0.0.0/8'] });
  assert.deepEqual(normalizeSettings({ timeout: 9 }, base).allow, ['10.0.0.0/8'], 'an update that leaves allow out keeps it');
});

test('"async" in skyscale.json: in range it passes (the function keeps it, not the settings); every problem with it is listed', () => {
  assert.deepEqual(normalizeSettings({ async: { maxRetryAttempts: 0, maxEventAgeSeconds: 60 } }), DEFAULT_SETTINGS);
  assert.throws(() => normalizeSettings({ async: { maxRetryAttempts: 5, maxEventAgeSeconds: 21601, retries: 1 } }), (err: SkyscaleError) => {
    assert.deepEqual(err.details?.problems, [
      'async takes maxRetryAttempts, maxEventAgeSeconds, onSuccess and onFailure (got retries)',
      'async.maxRetryAttempts must be a whole number from 0 to 2 (got 5)',
      'async.maxEventAgeSeconds must be a whole number from 60 to 21600 (got 21601)',
    ]);
    return true;
  });
  assert.throws(() => normalizeSettings({ async: 3 }), /async must be an object/);
});
