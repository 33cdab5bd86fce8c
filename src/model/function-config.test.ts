import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, normalizeSettings } from './function-config.js';
import { SkyscaleError } from '../errors.js';

test('fills defaults: python3.11, handler.handler, 128 MB, 3 s', () => {
  assert.deepEqual(normalizeSettings({}), DEFAULT_SETTINGS);
  assert.deepEqual(normalizeSettings({ memory: 256, timeout: 10, env: { A: 'b' } }), { ...DEFAULT_SETTINGS, memoryMb: 256, timeoutS: 10, env: { A: 'b' } });
});

test('accepts python3.8 … python3.13 runtime names', () => {
  for (const r of ['python3.8', 'python3.13']) assert.equal(normalizeSettings({ runtime: r }).runtime, r);
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
