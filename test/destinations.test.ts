// Destinations and dead letters against a real server and real sandboxes: an
// on-success function destination receives Lambda's record (and sends its own on to a
// webhook); an on-failure webhook on a test host in a network namespace, at a private
// address reachable only because the server's webhook allowlist names it, receives the
// failure's record; a webhook that is down is retried and then dead-lettered while the
// queue keeps running other events; and the dead letters of a failing function are
// listed, redriven once it is fixed (the new events succeed) and purged with the CLI.
// All traffic stays on this machine: the loopback and the test hosts' namespaces.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually, startTestServer, type TestServer } from './harness.js';
import { createTestHosts, type TestHosts } from './net-hosts.js';
import { runCliAt } from './fakes/cli.js';

let server: TestServer;
let hosts: TestHosts;
let hook: string;
let downHook: string;

before(async () => {
  hosts = await createTestHosts();
  hook = `http://${hosts.private.address}/hook`;
  // the internet test host listens on port 80 only: port 81 refuses connections
  downHook = `http://${hosts.internet.address}:81/down`;
  server = await startTestServer({
    SKYSCALE_ASYNC_RETRY_BASE_MS: '300', SKYSCALE_WEBHOOK_ATTEMPTS: '3', SKYSCALE_WEBHOOK_TIMEOUT_MS: '5000',
    SKYSCALE_WEBHOOK_ALLOW: `${hosts.private.address}:80`, SKYSCALE_KEY_RATE: '0',
  });
});
after(async () => {
  await server?.stop();
  await hosts?.close();
});

const code = {
  ok: { 'handler.py': 'def handler(event, context):\n    return {"got": event}\n' },
  failing: { 'handler.py': 'def handler(event, context):\n    raise ValueError("broken " + str(event.get("n")))\n' },
};

async function configure(name: string, async: Record<string, unknown>): Promise<void> {
  const res = await server.api('PUT', `/v1/functions/${name}`, { async }, { 'content-type': 'application/json' });
  assert.equal(res.status, 200, res.body.toString());
}
async function accept(name: string, event: unknown): Promise<string> {
  const res = await server.invoke(name, event, '?async=true');
  assert.equal(res.status, 202, res.body.toString());
  return res.json().requestId as string;
}
const show = async (id: string) => (await server.api('GET', `/v1/invocations/${id}`)).json().async as { state: string; deliveries: { state: string; attempts: number; destination: string }[] };
async function posted(): Promise<{ path: string; contentType: string; body: string }[]> {
  // the test reads what arrived straight from the test host (the control plane never sends there unless allowed)
  const res = await fetch(`http://${hosts.private.address}/posted`);
  return await res.json() as { path: string; contentType: string; body: string }[];
}

test('an on-success function destination receives the record; its own on-success webhook, allowed by the server\'s allowlist, receives the next one', async () => {
  await server.deploy('source', code.ok, { network: 'none' });
  await server.deploy('sink', code.ok, { network: 'none' });
  await configure('source', { onSuccess: 'sink' });
  await configure('sink', { onSuccess: hook });
  const id = await accept('source', { order: 1 });
  const arrived = await eventually(async () => (await posted()).find((p) => p.body.includes(id)), 'the sink\'s record to reach the webhook', 120_000);
  assert.equal(arrived.path, '/hook');
  assert.equal(arrived.contentType, 'application/json');
  const sinkRecord = JSON.parse(arrived.body) as Record<string, any>;
  assert.equal(sinkRecord.requestContext.functionArn, 'arn:aws:lambda:local:000000000000:function:sink:$LATEST');
  assert.equal(sinkRecord.requestContext.condition, 'Success');
  // what the sink was invoked with: the source's record, Lambda's shape
  const sourceRecord = sinkRecord.requestPayload as Record<string, any>;
  assert.deepEqual(Object.keys(sourceRecord), ['version', 'timestamp', 'requestContext', 'requestPayload', 'responseContext', 'responsePayload']);
  assert.deepEqual(sourceRecord.requestContext, { requestId: id, functionArn: 'arn:aws:lambda:local:000000000000:function:source:$LATEST', condition: 'Success', approximateInvokeCount: 1 });
  assert.deepEqual(sourceRecord.requestPayload, { order: 1 });
  assert.deepEqual(sourceRecord.responseContext, { statusCode: 200, executedVersion: '$LATEST' });
  assert.deepEqual(sourceRecord.responsePayload, { got: { order: 1 } });
  assert.deepEqual(sinkRecord.responsePayload, { got: sourceRecord }, 'the sink returned what it got');
});

test('an on-failure webhook on the allowed test host gets the failure\'s record; a webhook that is down is retried, then dead-lettered, while other events keep running', async () => {
  await server.deploy('fails', code.failing, { network: 'none' });
  await configure('fails', { maxRetryAttempts: 0, onFailure: hook });
  const failed = await accept('fails', { n: 1 });
  const arrived = await eventually(async () => (await posted()).find((p) => p.body.includes(failed)), 'the failure\'s record to reach the webhook', 120_000);
  const record = JSON.parse(arrived.body) as Record<string, any>;
  assert.equal(record.requestContext.condition, 'RetriesExhausted');
  assert.equal(record.requestContext.approximateInvokeCount, 1);
  assert.equal(record.responseContext.functionError, 'Unhandled');
  assert.equal(record.responsePayload.errorType, 'ValueError');
  assert.match(record.responsePayload.errorMessage, /broken 1/);

  await configure('fails', { onFailure: downHook });
  const lost = await accept('fails', { n: 2 });
  // while its delivery waits between attempts, other events run
  await eventually(async () => (await show(lost)).deliveries?.[0]?.attempts >= 1, 'the first delivery attempt', 120_000);
  const others = await Promise.all([1, 2, 3].map((n) => accept('source', { other: n })));
  await eventually(async () => (await Promise.all(others.map(show))).every((a) => a.state === 'succeeded'), 'the other events to succeed', 120_000);
  const dead = await eventually(async () => {
    const list = (await server.api('GET', '/v1/functions/fails/dead-letters')).json().deadLetters as { requestId: string; reason: string; destination: string }[];
    return list.find((d) => d.requestId === lost);
  }, 'the delivery to be dead-lettered', 120_000);
  assert.equal(dead.destination, downHook);
  assert.match(dead.reason, new RegExp(`^the destination ${downHook.replace(/[.:/]/g, '\\$&')} failed 3 times; the last: `));
  assert.deepEqual((await show(lost)).deliveries.map((d) => [d.state, d.attempts]), [['dead', 3]]);
});

test('dead letters of a failing function are listed, redriven once it is fixed (the new events succeed) and purged with the CLI', async () => {
  await server.deploy('fixme', code.failing, { network: 'none' });
  await configure('fixme', { maxRetryAttempts: 0 });
  const ids = await Promise.all([1, 2, 3].map((n) => accept('fixme', { n })));
  const cli = (...args: string[]) => runCliAt(server.url, args);
  await eventually(async () => (await server.api('GET', '/v1/functions/fixme/dead-letters')).json().total === 3, 'three dead letters', 120_000);
  const list = await cli('dlq', 'list', '--name', 'fixme', '--json');
  assert.equal(list.code, 0, list.stderr);
  const letters = JSON.parse(list.stdout) as { id: string; requestId: string; condition: string }[];
  assert.deepEqual(letters.map((l) => l.requestId).sort(), [...ids].sort());
  assert.ok(letters.every((l) => l.condition === 'RetriesExhausted'));
  const shown = await cli('dlq', 'show', '--name', 'fixme', '--id', letters[0]!.id);
  assert.match(shown.stdout, /reason: RetriesExhausted: 1 attempt failed; the last: ValueError/);

  await server.deploy('fixme', code.ok, { network: 'none' });
  const redrive = await cli('dlq', 'redrive', '--name', 'fixme', '--id', letters[0]!.id, '--id', letters[1]!.id);
  assert.equal(redrive.code, 0, redrive.stderr);
  const newIds = [...redrive.stdout.matchAll(/queued again as ([0-9a-f-]{36})/g)].map((m) => m[1]!);
  assert.equal(newIds.length, 2);
  await eventually(async () => (await Promise.all(newIds.map(show))).every((a) => a.state === 'succeeded'), 'the redriven events to succeed', 120_000);
  const left = JSON.parse((await cli('dlq', 'list', '--name', 'fixme', '--json')).stdout) as { id: string }[];
  assert.deepEqual(left.map((l) => l.id), [letters[2]!.id]);
  const purge = await cli('dlq', 'purge', '--name', 'fixme', '--all');
  assert.equal(purge.code, 0, purge.stderr);
  assert.match(purge.stdout, /Purged 1 dead letter of fixme/);
  assert.match((await cli('dlq', 'list', '--name', 'fixme')).stderr, /fixme has no dead letters/);
  const bad = await cli('dlq', 'redrive', '--name', 'fixme');
  assert.notEqual(bad.code, 0, 'redrive names --id or --all');
});

test('webhooks the egress policy refuses are dead-lettered at once, unsent: a port of the test host the allowlist does not name, the metadata address, the loopback', async () => {
  await server.deploy('walled', code.failing, { network: 'none' });
  await configure('walled', { maxRetryAttempts: 0 });
  const before = (await posted()).length;
  const cases = [
    [`http://${hosts.private.address}:8080/hook`, /192\.168\.77\.10 is in 192\.168\.0\.0\/16 \(private\) and no allow entry names it/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is in 169\.254\.0\.0\/16 \(link-local/],
    [`${server.url}/v1/functions`, /127\.0\.0\.1 is in 127\.0\.0\.0\/8 \(loopback\)/],
  ] as const;
  for (const [url, why] of cases) {
    await configure('walled', { onFailure: url });
    const id = await accept('walled', { url });
    const dead = await eventually(async () => {
      const list = (await server.api('GET', '/v1/functions/walled/dead-letters')).json().deadLetters as { requestId: string; reason: string }[];
      return list.find((d) => d.requestId === id);
    }, `the delivery to ${url} to be dead-lettered`, 120_000);
    assert.match(dead.reason, /^refused by the egress policy: /);
    assert.match(dead.reason, why);
    assert.deepEqual((await show(id)).deliveries.map((d) => [d.state, d.attempts]), [['dead', 1]], 'not retried');
  }
  assert.equal((await posted()).length, before, 'nothing reached the test host');
});
