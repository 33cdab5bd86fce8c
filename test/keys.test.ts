// Rotating the bootstrap admin key: the old key stops working when a new one is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { testSandbox } from './harness.js';

const OLD = 'oldadmin.0123456789abcdef0123456789abcdef';
const NEW = 'newadmin.fedcba9876543210fedcba9876543210';

async function statusWith(url: string, key: string): Promise<number> {
  return (await fetch(`${url}/v1/functions`, { headers: { authorization: `Bearer ${key}` } })).status;
}

test('setting a new SKYSCALE_ADMIN_KEY revokes the previous one', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-keys-'));
  const start = (key: string) => startServer(loadConfig({ ...process.env, SKYSCALE_DATA_DIR: dataDir, SKYSCALE_PORT: '0', SKYSCALE_SANDBOX: testSandbox(),
    SKYSCALE_WARM_POOL_SIZE: '0', SKYSCALE_ADMIN_KEY: key }), pino({ level: 'silent' }));
  try {
    const first = await start(OLD);
    assert.equal(await statusWith(first.url, OLD), 200);
    await first.close();
    const second = await start(NEW);
    try {
      assert.equal(await statusWith(second.url, NEW), 200);
      assert.equal(await statusWith(second.url, OLD), 401, 'the old key no longer works');
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
