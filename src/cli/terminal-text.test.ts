// Control characters from functions reach the CLI's human output shown, never obeyed;
// --json output stays exact JSON.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../test/fakes/app.js';
import { runCliAt } from '../../test/fakes/cli.js';
import { jsonSafe, terminalSafe } from './terminal-text.js';

/** Clear the screen, retitle the window (OSC … BEL), colour, carriage return over the line, a CSI in its C1 form, a NUL, DEL. */
const HOSTILE = 'start\x1b[2J\x1b]0;pwned\x07 \x1b[31mred\x1b[0m\rhidden\u009b31m\u0000\u007f\ttab\nline 2\n';
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

test('human text shows control characters as escapes and keeps newlines and tabs', () => {
  assert.equal(terminalSafe(HOSTILE), 'start\\x1b[2J\\x1b]0;pwned\\x07 \\x1b[31mred\\x1b[0m\\x0dhidden\\u009b31m\\x00\\x7f\ttab\nline 2\n');
  assert.equal(terminalSafe('plain é ✓ text\n'), 'plain é ✓ text\n');
});

test('JSON text keeps its value: DEL and C1 become \\u escapes', () => {
  const json = JSON.stringify({ log: HOSTILE });
  assert.match(json, /\u009b/, 'JSON.stringify leaves C1 raw');
  const safe = jsonSafe(json);
  assert.doesNotMatch(safe, RAW_CONTROL);
  assert.deepEqual(JSON.parse(safe), { log: HOSTILE });
});

let t: TestApp;
let endpoint: string;
before(async () => {
  t = await startTestApp();
  endpoint = await t.app.listen({ host: '127.0.0.1', port: 0 });
  await t.deploy('noisy');
  t.driver.handler = () => ({ log: HOSTILE, payload: JSON.stringify(`result ${HOSTILE}`) });
});
after(async () => { await t?.close(); });

test('skyscale logs and invoke --tail print what a function wrote without a raw control character; --json is exact', async () => {
  const invoked = await runCliAt(endpoint, ['invoke', '--name', 'noisy', '--tail']);
  assert.equal(invoked.code, 0, invoked.stderr);
  assert.doesNotMatch(invoked.stdout + invoked.stderr, RAW_CONTROL);
  assert.match(invoked.stderr, /start\\x1b\[2J\\x1b\]0;pwned\\x07/);

  const logs = await runCliAt(endpoint, ['logs', '--name', 'noisy']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.doesNotMatch(logs.stdout + logs.stderr, RAW_CONTROL);
  assert.match(logs.stdout, /\\x1b\[31mred\\x1b\[0m\\x0dhidden\\u009b31m/);
  assert.match(logs.stdout, /\ttab\nline 2/, 'newlines and tabs stay');

  const json = await runCliAt(endpoint, ['logs', '--name', 'noisy', '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.doesNotMatch(json.stdout, RAW_CONTROL);
  assert.equal(JSON.parse(json.stdout)[0].log, HOSTILE, 'the exact log, as JSON');
  const invokedJson = await runCliAt(endpoint, ['invoke', '--name', 'noisy', '--json']);
  assert.equal(JSON.parse(invokedJson.stdout).payload, `result ${HOSTILE}`);
});
