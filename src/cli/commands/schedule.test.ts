// skyscale schedule, run in process against a served test app: create with --every
// and --cron (both cron forms), list, pause, resume, delete, and what bad input prints.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_KEY, startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { runCli } from '../main.js';

let t: TestApp;
let endpoint: string;
before(async () => {
  t = await startTestApp();
  endpoint = await t.app.listen({ port: 0, host: '127.0.0.1' });
  await t.deploy('reports');
});
after(async () => { await t?.close(); });

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, {
    env: { HOME: t.dataDir, SKYSCALE_ENDPOINT: endpoint, SKYSCALE_API_KEY: ADMIN_KEY },
    out: (s) => { out += `${s}\n`; }, err: (s) => { err += `${s}\n`; }, readStdin: async () => Buffer.alloc(0),
  });
  return { code, out, err };
}

test('schedule create, list, pause, resume and delete', async () => {
  const every = await cli(['schedule', 'create', '--name', 'reports', '--every', '5 minutes', '--schedule-name', 'often', '--payload', '{"job":"tick"}']);
  assert.equal(every.code, 0, every.err);
  assert.match(every.out, /^Created schedule often for reports: rate\(5 minutes\) \(UTC\); next firing 20\d\d-/);
  const cron = await cli(['schedule', 'create', '--name', 'reports', '--cron', '0 9 * * MON-FRI', '--timezone', 'America/New_York', '--schedule-name', 'mornings']);
  assert.equal(cron.code, 0, cron.err);
  const eb = await cli(['schedule', 'create', '--name', 'reports', '--cron', 'cron(0 9 ? * MON-FRI *)', '--schedule-name', 'eb', '--json']);
  assert.equal(eb.code, 0, eb.err);
  assert.equal(JSON.parse(eb.out).expression, 'cron(0 9 ? * MON-FRI *)');

  const list = await cli(['schedule', 'list', '--name', 'reports']);
  assert.match(list.out, /reports\s+mornings\s+0 9 \* \* MON-FRI\s+America\/New_York\s+enabled\s+0\s+-\s+20/);
  assert.match(list.out, /reports\s+often\s+rate\(5 minutes\)\s+UTC\s+enabled/);
  assert.equal(JSON.parse((await cli(['schedule', 'list', '--json'])).out).length, 3);

  assert.match((await cli(['schedule', 'pause', '--name', 'reports', 'often'])).out, /^Paused schedule often of reports/);
  assert.match((await cli(['schedule', 'list', '--name', 'reports'])).out, /often\s+rate\(5 minutes\)\s+UTC\s+paused/);
  assert.match((await cli(['schedule', 'resume', '--name', 'reports', '--schedule-name', 'often'])).out, /^Resumed schedule often of reports; next firing/);
  assert.equal((await cli(['schedule', 'delete', '--name', 'reports', 'often'])).code, 0);
  assert.equal((await cli(['schedule', 'delete', '--name', 'reports', 'mornings'])).code, 0);
  assert.equal((await cli(['schedule', 'delete', '--name', 'reports', 'eb'])).code, 0);
  assert.equal(JSON.parse((await cli(['schedule', 'list', '--json'])).out).length, 0);
});

test('bad input: a malformed cron, an unknown time zone, a missing function, both or neither of --every and --cron', async () => {
  const bad = await cli(['schedule', 'create', '--name', 'reports', '--cron', '0 9 * * MONDAY']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /cron field "day-of-week" must be 0-7, a name \(MON-SUN\) or a range\/list\/step of them, e\.g\. MON-FRI/);
  const json = await cli(['schedule', 'create', '--name', 'reports', '--every', '10 seconds', '--json']);
  assert.equal(json.code, 1);
  assert.equal(JSON.parse(json.out).error.type, 'InvalidSchedule');
  assert.match((await cli(['schedule', 'create', '--name', 'reports', '--every', '1 hour', '--timezone', 'Nowhere/Land'])).err, /unknown time zone/);
  assert.match((await cli(['schedule', 'create', '--name', 'ghost', '--every', '1 hour'])).err, /ghost/);
  assert.match((await cli(['schedule', 'create', '--name', 'reports'])).err, /give one of --every and --cron/);
  assert.match((await cli(['schedule', 'create', '--name', 'reports', '--every', '1 hour', '--cron', '* * * * *'])).err, /give one of --every and --cron/);
  assert.match((await cli(['schedule', 'pause', '--name', 'reports', 'nope'])).err, /has no schedule "nope"/);
});

test("in a function's folder, schedule create and delete need no --name", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const folder = mkdtempSync(join(tmpdir(), 'skyscale-schedule-folder-'));
  writeFileSync(join(folder, 'skyscale.json'), JSON.stringify({ name: 'reports' }));
  const back = process.cwd();
  process.chdir(folder);
  try {
    const created = await cli(['schedule', 'create', '--every', '10 minutes', '--schedule-name', 'from-folder']);
    assert.equal(created.code, 0, created.err);
    assert.match(created.out, /^Created schedule from-folder for reports: rate\(10 minutes\)/);
    assert.equal((await cli(['schedule', 'delete', 'from-folder'])).code, 0);
  } finally {
    process.chdir(back);
    rmSync(folder, { recursive: true, force: true });
  }
  const nowhere = await cli(['schedule', 'create', '--every', '10 minutes']);
  assert.equal(nowhere.code, 1);
  assert.match(nowhere.err, /the function is required \(--name, or run it in the function's folder\)/);
});
