// The dashboard in a real browser: Debian's chromium, headless, driven by
// playwright-core against a real server with real sandboxes. One flow, as a user goes
// through it: sign in (a wrong key first: the API's message), create a function from a
// handler written in the page, invoke it and see the result, the start kind and the
// log line, a payload that is not JSON refused with the API's type and message,
// settings with a secret env value (masked, and kept by a later save) and reserved
// concurrency, a second version whose output is HTML and script (shown as text: no
// dialog, no element made from it), an alias pointed at it and rolled back, code
// changed through the Lambda API published, a bad package refused next to the upload,
// the system page, delete, sign out, and back to sign in when the key stops working.
// Metrics: the function page's charts count the invocation made from the page, the
// list's sparkline and the system page's throughput count what the API counts, and a
// key that may not read node metrics sees the API's refusal in their place. The live
// log panel shows a line printed by an invocation made from the page, and its end.
// The function page is saved as docs/dashboard.png (the README shows it) when
// SKYSCALE_UPDATE_SCREENSHOT=1, else in the temp directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { repoPath } from '../src/paths.js';
import { ADMIN_KEY, eventually, startTestServer, zipFiles, type TestServer } from './harness.js';

const CHROMIUM = process.env.SKYSCALE_CHROMIUM ?? '/usr/bin/chromium';
/** sandboxes boot on the path under a shared machine's load: generous, never a measure */
const SLOW = 120_000;

const GREETER = `def handler(event, context):
    name = event.get("name", "world")
    print(f"greeting {name}")
    return {"message": f"Hello, {name}!"}
`;

const HOSTILE = `import os


def handler(event, context):
    print("<script>alert(1)</script><img src=x onerror=alert(2)>")
    return {"html": "<script>alert(3)</script><b>bold</b>", "token": os.environ.get("TOKEN")}
`;

/** Waits until the locator's text contains `text`, and returns it. */
async function textOf(locator: Locator, text: string, timeout = SLOW): Promise<string> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout });
  return (await locator.filter({ hasText: text }).first().textContent()) ?? '';
}

async function invoke(page: Page, payload: string): Promise<void> {
  const form = page.getByRole('form', { name: 'Invoke' });
  await form.getByLabel('Payload (JSON)').fill(payload);
  await form.getByRole('button', { name: 'Invoke' }).click();
  await form.getByRole('button', { name: 'Invoke' }).waitFor({ timeout: SLOW }); // back from "Invoking…"
}

test('the dashboard in chromium: sign in, create, deploy, invoke, settings, aliases, output as text, delete', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is installed (scripts/setup/system-packages.sh)`);
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  try {
    server = await startTestServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const dialogs: string[] = [];
    const problems: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    const requests: { url: string; auth: string | undefined }[] = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/v1/')) requests.push({ url: r.url(), auth: r.headers().authorization }); });

    // Sign in: a wrong key is answered with the API's type and message.
    await page.goto(`${server.url}/`);
    await page.getByLabel('API key').fill('nobody.wrongsecretwrongsecretwrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const refusal = await textOf(page.getByRole('alert'), 'Unauthorized');
    assert.match(refusal, /the API key is not valid/);
    // only the expected 401 reached the console as a failed load
    problems.splice(0, problems.length, ...problems.filter((p) => !/401/.test(p)));
    await page.getByLabel('API key').fill(ADMIN_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Functions' }).waitFor();
    await page.getByText('No functions yet').waitFor();

    // Create a function from a handler written in the page (packed as a tar in the browser).
    await page.getByRole('link', { name: 'New function' }).click();
    await page.getByLabel('Name').fill('greeter');
    await page.getByLabel('Timeout (s)').fill('30');
    await page.getByLabel('Handler code').fill(GREETER);
    await page.getByRole('button', { name: 'Create and deploy' }).click();
    await page.getByRole('heading', { name: 'greeter' }).waitFor({ timeout: SLOW });
    await textOf(page.locator('.summary'), 'version 1');

    // Invoke: the result, the start kind and the log line; the live log shows the line and the end.
    const liveLog = page.getByRole('region', { name: 'Live log' });
    await liveLog.getByText('Following').waitFor({ timeout: SLOW });
    await invoke(page, '{"name": "dashboard"}');
    await textOf(liveLog.getByLabel('Live log'), 'greeting dashboard');
    assert.match(await textOf(liveLog.getByLabel('Live log'), 'success'), /greeting dashboard\n── [0-9a-f-]{36} success, \d/);
    const invokeCard = page.getByRole('region', { name: 'Invoke' });
    assert.match(await textOf(invokeCard.getByLabel('Result'), 'Hello, dashboard!'), /"message": "Hello, dashboard!"/);
    assert.match(await textOf(invokeCard.getByLabel('Log'), 'greeting dashboard'), /greeting dashboard/);
    assert.match((await invokeCard.locator('[data-fact="start"]').textContent()) ?? '', /^(cold|warm) \((warm|pool|boot)\)$/);
    assert.match((await invokeCard.locator('[data-fact="duration"]').textContent()) ?? '', /\d+(\.\d+)? m?s/);
    // and the recent invocations list has it with its log
    await textOf(page.getByRole('list', { name: 'Recent invocations' }).locator('li'), 'greeting dashboard');
    // the metrics charts were redrawn after the invoke: the invocation is counted and drawn
    const metricsCard = page.getByRole('region', { name: 'Metrics' });
    await metricsCard.locator('[data-series="invocations"]').filter({ hasText: /^invocations 1$/ }).waitFor({ timeout: SLOW });
    assert.match((await metricsCard.locator('svg.chart').first().getAttribute('aria-label')) ?? '', /invocations: 1, highest step 1/);
    assert.equal(await metricsCard.locator('svg.chart').first().locator('.series-0 path, .series-0 circle').count() > 0, true, 'the invocations line is drawn');
    assert.match(await textOf(metricsCard.locator('figure'), 'cold starts'), /cold starts [01]/);
    await metricsCard.getByLabel('Range').selectOption('15m');
    await textOf(metricsCard.locator('p.note'), 'last 15 min');
    await page.evaluate(() => window.scrollTo(0, 0));
    // the README's picture is refreshed on request, so a test run leaves the tree as it was
    await page.screenshot({ path: process.env.SKYSCALE_UPDATE_SCREENSHOT === '1' ? repoPath('docs/dashboard.png') : join(tmpdir(), 'skyscale-dashboard.png') });

    // On a phone's screen the page fits its width (wide tables scroll inside their card).
    await page.setViewportSize({ width: 390, height: 844 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling on a phone');
    await page.setViewportSize({ width: 1280, height: 1000 });

    // A payload that is not JSON: the API's refusal, type and message.
    await invoke(page, '{oops');
    assert.match(await textOf(invokeCard.getByRole('alert'), 'InvalidJSON'), /the invocation payload is not valid JSON/);
    problems.splice(0, problems.length, ...problems.filter((p) => !/400/.test(p)));

    // Settings: memory, a plain and a secret env value (masked once saved, and kept when
    // the mask is sent back by a second save); reserved concurrency through the Lambda route.
    const settings = page.getByRole('form', { name: 'Settings' });
    await settings.getByLabel('Memory (MB)').fill('256');
    await settings.getByRole('button', { name: 'Add variable' }).click();
    await settings.getByLabel('Variable name').last().fill('GREETING');
    await settings.getByLabel('Variable value').last().fill('hi');
    await settings.getByRole('button', { name: 'Add variable' }).click();
    await settings.getByLabel('Variable name').last().fill('TOKEN');
    await settings.getByLabel('Variable value').last().fill('s3cret');
    await settings.getByLabel('Secret').last().check();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved.').waitFor();
    assert.equal(await settings.getByLabel('Variable value').last().inputValue(), '********');
    assert.equal(await settings.getByLabel('Variable value').last().getAttribute('type'), 'password');
    const concurrency = page.getByRole('form', { name: 'Reserved concurrency' });
    await concurrency.getByLabel('Reserved concurrency').fill('5');
    await concurrency.getByRole('button', { name: 'Save concurrency' }).click();
    await page.getByText('Reserved concurrency: 5.').waitFor();
    await settings.getByLabel('Timeout (s)').fill('20');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    const fn = await eventually(async () => {
      const f = (await server!.api('GET', '/v1/functions/greeter')).json().function;
      return f.timeout === 20 ? f : null;
    }, 'the second save', 30_000, 100);
    assert.equal(fn.memory, 256);
    assert.deepEqual(fn.env, { GREETING: 'hi', TOKEN: { secret: '********' } });
    assert.equal((await server.api('GET', '/v1/functions/greeter')).json().function.reservedConcurrency, 5);

    // A second version whose output is markup and script: shown as text, never run.
    const deploy = page.getByRole('form', { name: 'Deploy' });
    await deploy.getByLabel('Handler code').fill(HOSTILE);
    await deploy.getByRole('button', { name: 'Deploy' }).click();
    await page.getByText('Deployed version 2.').waitFor({ timeout: SLOW });
    await textOf(page.locator('.summary'), 'version 2');
    await invoke(page, '{}');
    const hostile = await textOf(invokeCard.getByLabel('Result'), '<script>alert(3)</script>');
    assert.match(hostile, /"html": "<script>alert\(3\)<\/script><b>bold<\/b>"/);
    // the deploy took the saved settings, the secret's value with them
    assert.match(hostile, /"token": "s3cret"/);
    await textOf(invokeCard.getByLabel('Log'), '<script>alert(1)</script><img src=x onerror=alert(2)>');
    await textOf(page.getByRole('list', { name: 'Recent invocations' }).locator('li'), '<script>alert(1)</script>');
    assert.equal(await page.locator('main script, main img, main b').count(), 0, 'no element was made from function output');
    assert.deepEqual(dialogs, [], 'no dialog fired');

    // An alias on version 2, rolled back to version 1.
    const aliasForm = page.getByRole('form', { name: 'Set alias' });
    await aliasForm.getByLabel('Alias name').fill('live');
    await aliasForm.getByLabel('Alias version').selectOption('2');
    await aliasForm.getByRole('button', { name: 'Set alias' }).click();
    await textOf(page.getByRole('list', { name: 'Aliases' }).locator('li'), 'live → version 2');
    await page.getByRole('button', { name: 'Roll back live' }).click();
    await page.getByText('live rolled back from version 2 to 1.').waitFor();
    await textOf(page.getByRole('list', { name: 'Aliases' }).locator('li'), 'live → version 1');
    assert.equal((await server.api('GET', '/v1/functions/greeter/aliases/live')).json().alias.version, 1);

    // Code changed through the Lambda API is not a version until published: the page offers it.
    const zip = (await zipFiles({ 'handler.py': GREETER })).toString('base64');
    assert.equal((await server.api('PUT', '/2015-03-31/functions/greeter/code', { ZipFile: zip }, { 'content-type': 'application/json' })).status, 200);
    await page.reload();
    await page.getByRole('button', { name: 'Publish $LATEST' }).click();
    await page.getByText('$LATEST published as version 3.').waitFor();
    await textOf(page.locator('.summary'), 'version 3');

    // A package the API refuses: its refusal next to the upload.
    await deploy.getByLabel('Upload a package').check();
    await deploy.getByLabel('Code package').setInputFiles({ name: 'broken.zip', mimeType: 'application/zip', buffer: Buffer.from('not a zip at all') });
    await deploy.getByRole('button', { name: 'Deploy' }).click();
    assert.match(await textOf(deploy.getByRole('alert'), 'InvalidCodePackage'), /InvalidCodePackage/);
    problems.splice(0, problems.length, ...problems.filter((p) => !/400/.test(p)));

    // The list's sparkline counts greeter's invocations as the metrics API does.
    const counted = (await server.api('GET', '/v1/metrics')).json().functions.find((f: { name: string }) => f.name === 'greeter').totals.invocations as number;
    assert.ok(counted >= 2, `greeter ran at least twice (${counted})`);
    await page.getByRole('link', { name: 'Functions', exact: true }).click();
    const spark = page.locator('.spark-cell[data-invocations]');
    await spark.first().waitFor();
    assert.equal(await spark.first().getAttribute('data-invocations'), String(counted));
    assert.equal(await spark.first().locator('svg[aria-label="greeter: ' + counted + ' invocations in the last hour"] polyline').count(), 1);

    // The system page: the node's driver and its budget, its throughput and figures.
    await page.getByRole('link', { name: 'System' }).click();
    await page.getByRole('region', { name: 'Budget and admission' }).waitFor();
    const driver = (await server.api('GET', '/healthz')).json().driver as string;
    await textOf(page.getByRole('region', { name: 'Node' }).locator('dd'), driver);
    const throughput = page.getByRole('region', { name: 'Throughput' });
    await throughput.locator('[data-series="invocations"]').filter({ hasText: new RegExp(`^invocations ${counted}$`) }).waitFor();
    await textOf(throughput.getByRole('table', { name: 'Busiest functions' }).locator('tr'), 'greeter');
    await textOf(throughput.locator('dl dt'), 'Warm instances');

    // A key limited to greeter may not read the node's metrics: the list shows the API's
    // refusal, type and message, where the sparklines would be; its function's charts draw.
    const scoped = (await server.api('POST', '/v1/keys', { role: 'viewer', functions: ['greeter'] })).json().secret as string;
    const viewer = await context.newPage();
    await viewer.goto(`${server.url}/`);
    await viewer.getByLabel('API key').fill(scoped);
    await viewer.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await textOf(viewer.getByRole('alert'), 'Forbidden'), /cannot use node-wide routes/);
    await viewer.getByRole('link', { name: 'greeter' }).click();
    await viewer.getByRole('region', { name: 'Metrics' }).locator('[data-series="invocations"]').filter({ hasText: new RegExp(`^invocations ${counted}$`) }).waitFor();
    await viewer.close();

    // Delete, confirmed in the page.
    await page.getByRole('link', { name: 'Functions', exact: true }).click();
    // the list, not the system page it came from (which links greeter twice)
    await page.getByRole('heading', { name: 'Functions' }).waitFor();
    await page.getByRole('link', { name: 'greeter' }).click();
    await page.getByRole('button', { name: 'Delete function' }).click();
    await page.getByRole('button', { name: 'Delete greeter for good' }).click();
    await page.getByText('No functions yet').waitFor();
    assert.equal((await server.api('GET', '/v1/functions/greeter')).status, 404);

    // Every API call carried the key as a header; no cookie was ever set.
    assert.ok(requests.length > 10);
    for (const r of requests) assert.match(r.auth ?? '', /^Bearer /, r.url);
    assert.deepEqual(await context.cookies(), []);
    assert.deepEqual(problems, [], 'no script error and no Content-Security-Policy violation');

    // Sign out: the key is gone from the tab.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('skyscale.apiKey')), null);

    // A key that stops working sends the page back to sign in, with the API's message.
    await page.evaluate(() => sessionStorage.setItem('skyscale.apiKey', 'revoked.keykeykeykeykeykeykey'));
    await page.goto(`${server.url}/#/functions`);
    assert.match(await textOf(page.getByRole('alert'), 'Unauthorized'), /the API key is not valid/);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('skyscale.apiKey')), null);
  } catch (err) {
    // what the page showed when it failed, for the reader of a CI log
    const shot = join(tmpdir(), 'skyscale-dashboard-failure.png');
    await page?.screenshot({ path: shot, fullPage: true }).then(() => console.error(`the page when the test failed: ${shot}`), () => {});
    throw err;
  } finally {
    await browser?.close();
    await server?.stop();
  }
});
