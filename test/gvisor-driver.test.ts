// The gVisor driver on its own: sandboxes start with the agent ready, stop cleanly, and
// a sandbox left behind by a crashed earlier run is found and removed at start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { createDriver } from '../src/sandbox/factory.js';
import { testSandbox } from './harness.js';

test('leftover sandboxes of a crashed run are removed when a driver starts', { skip: testSandbox() !== 'gvisor' ? 'needs gVisor' : false }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-driver-'));
  const config = loadConfig({ ...process.env, SKYSCALE_DATA_DIR: dataDir, SKYSCALE_SANDBOX: 'gvisor' });
  const log = pino({ level: 'silent' });
  const crashed = await createDriver(config, log);
  const orphan = await crashed.start({ id: `sky-orphan-${process.pid}`, memoryMb: 128 });
  try {
    const runsc = crashed.describe().runsc as string;
    const list = () => execFileSync(runsc, [`--root=${join(dataDir, 'gvisor', 'runsc')}`, 'list', '-quiet'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    assert.deepEqual(list(), [orphan.id], 'the sandbox runs');
    // A second driver on the same data dir stands for the server restarting after a crash.
    const restarted = await createDriver(config, log);
    assert.deepEqual(list(), [], 'the leftover sandbox was deleted');
    assert.deepEqual(readdirSync(join(dataDir, 'gvisor', 'bundles')), [], 'and its bundle removed');
    await restarted.shutdown();
  } finally {
    await orphan.stop();
    await crashed.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
