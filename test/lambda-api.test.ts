// The real AWS SDK (@aws-sdk/client-lambda) against a real server with real sandboxes:
// what needs real code to run (results, logs, function errors, Event invocations, an
// alias moving between versions that run different code), signed over a real
// connection; AWS's answers to a missing function and to a zip over 50 MB as a client
// sees them over a real connection (the 413 comes before the body is read); and the
// versions/alias/rollback CLI. The rest of the Lambda API (every
// operation's shape, pagination, the exceptions, validation, SigV4 refusals) is tested
// in process in src/api/lambda/*.test.ts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand, CreateFunctionCommand, GetAccountSettingsCommand, GetFunctionCommand, InvokeCommand, LambdaClient, PublishVersionCommand, UpdateAliasCommand,
  UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand, waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { runCli } from '../src/cli/main.js';
import { ADMIN_KEY, eventually, startTestServer, zipFiles, type TestServer } from './harness.js';

let s: TestServer;
let lambda: LambdaClient;
const [KEY_ID, KEY_SECRET] = ADMIN_KEY.split('.') as [string, string];

before(async () => {
  s = await startTestServer();
  lambda = client(KEY_SECRET);
});
after(async () => {
  lambda?.destroy();
  await s?.stop();
});

function client(secret: string): LambdaClient {
  return new LambdaClient({ endpoint: s.url, region: 'us-east-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: secret }, maxAttempts: 1 });
}

const code = (tag: string) => `
import os

def handler(event, context):
    print("running", "${tag}", event.get("n"))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"tag": "${tag}", "n": event.get("n"), "greeting": os.environ.get("GREETING"), "request_id": context.aws_request_id,
            "version": context.function_version}
`;

const decode = (b: Uint8Array | undefined) => JSON.parse(Buffer.from(b ?? []).toString('utf8'));
const payload = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

test('create, wait until active, invoke with a Tail log, get', async () => {
  const created = await lambda.send(new CreateFunctionCommand({
    FunctionName: 'lam', Role: 'arn:aws:iam::123456789012:role/x', Runtime: 'python3.12', Handler: 'lambda_function.handler',
    Code: { ZipFile: await zipFiles({ 'lambda_function.py': code('v1') }) }, Timeout: 5, MemorySize: 256,
    Environment: { Variables: { GREETING: 'hi' } }, Description: 'first',
  }));
  assert.equal(created.$metadata.httpStatusCode, 201);
  assert.equal(created.Version, '$LATEST');
  assert.equal(created.Handler, 'lambda_function.handler');
  assert.equal(created.MemorySize, 256);
  assert.match(created.FunctionArn!, /:function:lam$/);
  assert.match(created.CodeSha256!, /^[A-Za-z0-9+/]{43}=$/);
  assert.ok(created.RevisionId);

  const waited = await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 20 }, { FunctionName: 'lam' });
  assert.equal(waited.state, 'SUCCESS');

  const out = await lambda.send(new InvokeCommand({ FunctionName: 'lam', Payload: payload({ n: 1 }), LogType: 'Tail' }));
  assert.equal(out.StatusCode, 200);
  assert.equal(out.FunctionError, undefined);
  assert.equal(out.ExecutedVersion, '$LATEST');
  const result = decode(out.Payload);
  assert.deepEqual({ tag: result.tag, n: result.n, greeting: result.greeting }, { tag: 'v1', n: 1, greeting: 'hi' });
  assert.equal(out.$metadata.requestId, result.request_id);
  assert.match(Buffer.from(out.LogResult!, 'base64').toString('utf8'), /running v1 1/);

  const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'lam' }));
  assert.equal(got.Configuration?.State, 'Active');
  assert.equal(got.Configuration?.CodeSha256, created.CodeSha256);
});

test('a handler error is 200 with FunctionError; Event answers 202 and runs', async () => {
  const failed = await lambda.send(new InvokeCommand({ FunctionName: 'lam', Payload: payload({ fail: true }) }));
  assert.equal(failed.StatusCode, 200);
  assert.equal(failed.FunctionError, 'Unhandled');
  const err = decode(failed.Payload);
  assert.equal(err.errorType, 'ValueError');
  assert.equal(err.errorMessage, 'asked to fail');

  const before = (await s.api('GET', '/v1/functions/lam/logs?limit=100')).json().invocations.length;
  const queued = await lambda.send(new InvokeCommand({ FunctionName: 'lam', InvocationType: 'Event', Payload: payload({ n: 42 }) }));
  assert.equal(queued.StatusCode, 202);
  await eventually(async () => (await s.api('GET', '/v1/functions/lam/logs?limit=100')).json().invocations.some((i: { log: string }) => i.log.includes('running v1 42')), 'the Event invocation to run');
  assert.ok((await s.api('GET', '/v1/functions/lam/logs?limit=100')).json().invocations.length > before);
});

test('update configuration and code, publish versions, and move an alias between them', async () => {
  const updated = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'lam', Environment: { Variables: { GREETING: 'hello' } }, Timeout: 6 }));
  assert.equal(updated.Timeout, 6);
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 20 }, { FunctionName: 'lam' });
  assert.equal(decode((await lambda.send(new InvokeCommand({ FunctionName: 'lam', Payload: payload({}) }))).Payload).greeting, 'hello', '$LATEST runs the new settings at once');

  const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'lam', Description: 'one' }));
  assert.equal(v1.$metadata.httpStatusCode, 201);
  assert.match(v1.FunctionArn!, /:function:lam:\d+$/);
  const again = await lambda.send(new PublishVersionCommand({ FunctionName: 'lam' }));
  assert.equal(again.Version, v1.Version, 'publishing an unchanged $LATEST returns the same version');

  const code2 = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'lam', ZipFile: await zipFiles({ 'lambda_function.py': code('v2') }) }));
  assert.equal(code2.Version, '$LATEST');
  assert.notEqual(code2.CodeSha256, v1.CodeSha256);
  const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: 'lam' }));
  assert.ok(Number(v2.Version) > Number(v1.Version));

  const alias = await lambda.send(new CreateAliasCommand({ FunctionName: 'lam', Name: 'live', FunctionVersion: v1.Version, Description: 'prod' }));
  const onV1 = await lambda.send(new InvokeCommand({ FunctionName: 'lam', Qualifier: 'live', Payload: payload({}) }));
  assert.equal(onV1.ExecutedVersion, v1.Version);
  assert.equal(decode(onV1.Payload).tag, 'v1');
  assert.equal(decode(onV1.Payload).greeting, 'hello', 'a version keeps the settings it was published with');

  const moved = await lambda.send(new UpdateAliasCommand({ FunctionName: 'lam', Name: 'live', FunctionVersion: v2.Version, RevisionId: alias.RevisionId }));
  assert.equal(moved.FunctionVersion, v2.Version);
  const onV2 = await lambda.send(new InvokeCommand({ FunctionName: 'lam:live', Payload: payload({}) }));
  assert.equal(onV2.ExecutedVersion, v2.Version);
  assert.equal(decode(onV2.Payload).tag, 'v2');
  assert.equal(decode(onV2.Payload).version, v2.Version);
  const byVersion = await lambda.send(new InvokeCommand({ FunctionName: 'lam', Qualifier: v1.Version, Payload: payload({}) }));
  assert.equal(decode(byVersion.Payload).tag, 'v1');
});

test('the CLI publishes, sets aliases and rolls back an alias and $LATEST', async () => {
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...args, '--json'], {
      env: { SKYSCALE_ENDPOINT: s.url, SKYSCALE_API_KEY: ADMIN_KEY, HOME: s.dataDir }, out: (t) => out.push(t), err: (t) => err.push(t), readStdin: async () => Buffer.alloc(0),
    });
    assert.equal(code, 0, `skyscale ${args.join(' ')} failed: ${out.join('\n')} ${err.join('\n')}`);
    return JSON.parse(out.join('\n'));
  };
  const v1 = await s.deploy('cli-fn', { 'handler.py': 'def handler(e, c):\n    return "one"\n' });
  const v2 = await s.deploy('cli-fn', { 'handler.py': 'def handler(e, c):\n    return "two"\n' });
  assert.equal((await run('publish', '--name', 'cli-fn')).version, v2, 'a deploy is already published');
  assert.equal((await run('alias', 'set', 'live', String(v2), '--name', 'cli-fn')).version, v2);
  assert.deepEqual((await run('alias', 'list', '--name', 'cli-fn')).map((a: { name: string }) => a.name), ['live']);
  assert.equal(decode((await s.invoke('cli-fn', {}, '?version=live')).body), 'two');
  assert.deepEqual(await run('rollback', '--name', 'cli-fn', '--alias', 'live'), { from: v2, to: v1, alias: 'live' });
  assert.equal(decode((await s.invoke('cli-fn', {}, '?version=live')).body), 'one');
  assert.deepEqual(await run('rollback', '--name', 'cli-fn'), { from: v2, to: v1 });
  assert.equal(decode((await s.invoke('cli-fn')).body), 'one', '$LATEST runs version 1 again');
  const versions = await run('versions', '--name', 'cli-fn');
  assert.deepEqual(versions.map((v: { version: number }) => v.version), [v1, v2]);
  await run('alias', 'delete', 'live', '--name', 'cli-fn');
  assert.deepEqual(await run('alias', 'list', '--name', 'cli-fn'), []);
});

test('over a real connection: AWS\'s words for a missing function and for a zip over 50 MB, and the account settings', async () => {
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'nowhere' })),
    { name: 'ResourceNotFoundException', message: 'Function not found: arn:aws:lambda:local:000000000000:function:nowhere:$LATEST' });
  const big = new Uint8Array(50 * 1024 * 1024 + 1);
  const err = await lambda.send(new CreateFunctionCommand({
    FunctionName: 'huge', Role: 'arn:aws:iam::123456789012:role/x', Runtime: 'python3.12', Handler: 'lambda_function.handler', Code: { ZipFile: big },
  })).then(() => assert.fail('a zip over 50 MB was taken'), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
  assert.equal(err.name, 'RequestEntityTooLargeException', `${err.name}: ${err.message}`);
  assert.equal(err.message, 'Request must be smaller than 69905067 bytes for the CreateFunction operation');
  assert.equal(err.$metadata?.httpStatusCode, 413);
  const settings = await lambda.send(new GetAccountSettingsCommand({}));
  assert.ok(settings.AccountLimit!.ConcurrentExecutions! >= 1);
  assert.ok(settings.AccountUsage!.FunctionCount! >= 1);
});
