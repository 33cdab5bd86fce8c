import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { startChildSandbox } from './child-sandbox.js';

const log = pino({ level: 'silent' });

test('a child that never says ready is killed after the deadline, with a clear error', async () => {
  await assert.rejects(
    startChildSandbox({ id: 't1', command: 'sleep', args: ['30'], env: { PATH: process.env.PATH }, log, readyTimeoutMs: 200 }),
    /did not report ready within 200 ms/,
  );
});

test('a child that exits before ready fails the start with what it printed', async () => {
  let cleaned = false;
  await assert.rejects(
    startChildSandbox({ id: 't2', command: 'sh', args: ['-c', 'echo "no kvm here" >&2; exit 3'], env: { PATH: process.env.PATH }, log, readyTimeoutMs: 5000,
      cleanup: async () => { cleaned = true; } }),
    /(closed its output|exited)[\s\S]*no kvm here/,
  );
  assert.equal(cleaned, true, 'the driver-specific cleanup ran');
});
