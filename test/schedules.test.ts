// Schedules against a real server and a real sandbox: a schedule (its interval lowered
// with SKYSCALE_SCHEDULE_MIN_INTERVAL_S, the test-only setting) wakes a function with no
// warm instance and invokes it with an EventBridge-shaped scheduled event, which the
// function prints to its log; after a restart on the same data dir it fires again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_KEY, eventually, testSandbox, zipFiles } from './harness.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-schedules-'));
const env = {
  SKYSCALE_DATA_DIR: dataDir, SKYSCALE_ADMIN_KEY: ADMIN_KEY, SKYSCALE_SANDBOX: testSandbox(), SKYSCALE_WARM_POOL_SIZE: '0',
  SKYSCALE_SCHEDULE_MIN_INTERVAL_S: '1', SKYSCALE_KEY_RATE: '0',
};
let server: ServerProcess | null = null;

async function api(method: string, path: string, body?: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}) {
  const res = await fetch(`${server!.url}${path}`, { method, headers: { ...AUTH, ...headers }, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, text: await res.text() };
}

async function stop(): Promise<void> {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  server = null;
}

before(async () => {
  server = await startServerProcess(env);
});

after(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const scheduleOf = async () => JSON.parse((await api('GET', '/v1/functions/tick/schedules/fast')).text).schedule as { fired: number; lastSlot: string | null };

test('a schedule invokes a function scaled to zero with an EventBridge scheduled event, and keeps firing after a restart', async () => {
  const zip = new Uint8Array(await zipFiles({ 'handler.py': 'import json\n\ndef handler(event, context):\n    print("EVENT " + json.dumps(event, sort_keys=True))\n    return {}\n' }));
  const deployed = await api('POST', '/v1/functions/tick/versions', zip as Uint8Array<ArrayBuffer>, {
    'content-type': 'application/zip', 'skyscale-settings': JSON.stringify({ handler: 'handler.handler', network: 'none' }),
  });
  assert.equal(deployed.status, 201, deployed.text);
  const created = await api('POST', '/v1/functions/tick/schedules', JSON.stringify({ name: 'fast', expression: 'rate(3 seconds)' }), { 'content-type': 'application/json' });
  assert.equal(created.status, 201, created.text);

  const logs = await eventually(async () => {
    const text = (await api('GET', '/v1/functions/tick/logs?limit=1000')).text;
    return text.includes('EVENT ') ? text : null;
  }, 'the function logged a scheduled event', 180_000, 250);
  assert.match(logs, /\\?"detail-type\\?": \\?"Scheduled Event\\?"/);
  assert.match(logs, /\\?"source\\?": \\?"aws.events\\?"/);
  assert.match(logs, /\\?"resources\\?": \[\\?"arn:aws:scheduler:local:000000000000:schedule\/tick\/fast\\?"\]/);
  assert.match(logs, /\\?"time\\?": \\?"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ\\?"/);
  const before = await scheduleOf();
  assert.ok(before.fired >= 1);

  await stop();
  server = await startServerProcess(env);
  await eventually(async () => (await scheduleOf()).fired > before.fired, 'the schedule fired again after the restart', 60_000, 250);
  const list = JSON.parse((await api('GET', '/v1/schedules')).text).schedules as { name: string }[];
  assert.deepEqual(list.map((s) => s.name), ['fast']);
  assert.equal((await api('DELETE', '/v1/functions/tick/schedules/fast')).status, 204);
});
