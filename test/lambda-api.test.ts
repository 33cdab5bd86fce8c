// The real AWS SDK (@aws-sdk/client-lambda) against a real server with real sandboxes:
// every Lambda operation Skyscale implements, SigV4 with a right and a wrong secret
// and a tampered body, waiters, the error exceptions clients branch on, an alias
// moving between versions, and the versions/alias/rollback CLI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteAliasCommand, DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand, DeleteFunctionUrlConfigCommand, GetAliasCommand, GetFunctionCommand, GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand, InvokeCommand, LambdaClient, ListAliasesCommand, ListFunctionsCommand, ListVersionsByFunctionCommand,
  PublishVersionCommand, PutFunctionConcurrencyCommand, UpdateAliasCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
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

async function rejects(p: Promise<unknown>, name: string): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as Error).name, name, `expected ${name}, got ${(err as Error).name}: ${(err as Error).message}`);
    return err as Error;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

test('create, wait until active, invoke with a Tail log, get and list', async () => {
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
  assert.equal(got.Configuration?.LastUpdateStatus, 'Successful');
  assert.deepEqual(got.Configuration?.Environment?.Variables, { GREETING: 'hi' });
  const byArn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: created.FunctionArn }));
  assert.equal(byArn.FunctionName, 'lam');

  await lambda.send(new CreateFunctionCommand({ FunctionName: 'lam-b', Role: 'r', Runtime: 'python3.11', Handler: 'lambda_function.handler', Code: { ZipFile: await zipFiles({ 'lambda_function.py': code('b') }) } }));
  const page1 = await lambda.send(new ListFunctionsCommand({ MaxItems: 1 }));
  assert.equal(page1.Functions?.length, 1);
  assert.ok(page1.NextMarker);
  const page2 = await lambda.send(new ListFunctionsCommand({ MaxItems: 1, Marker: page1.NextMarker }));
  assert.deepEqual([page1.Functions![0]!.FunctionName, page2.Functions![0]!.FunctionName].sort(), ['lam', 'lam-b']);
  assert.equal(page2.NextMarker, undefined);
  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'lam-b' }));
});

test('a handler error is 200 with FunctionError; Event answers 202 and runs; DryRun answers 204', async () => {
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

  const dry = await lambda.send(new InvokeCommand({ FunctionName: 'lam', InvocationType: 'DryRun' }));
  assert.equal(dry.StatusCode, 204);
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
  const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'lam' }));
  assert.deepEqual(versions.Versions?.map((v) => v.Version), ['$LATEST', v1.Version, v2.Version]);

  const alias = await lambda.send(new CreateAliasCommand({ FunctionName: 'lam', Name: 'live', FunctionVersion: v1.Version, Description: 'prod' }));
  assert.equal(alias.$metadata.httpStatusCode, 201);
  assert.match(alias.AliasArn!, /:function:lam:live$/);
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

  assert.equal((await lambda.send(new GetAliasCommand({ FunctionName: 'lam', Name: 'live' }))).FunctionVersion, v2.Version);
  assert.deepEqual((await lambda.send(new ListAliasesCommand({ FunctionName: 'lam' }))).Aliases?.map((a) => a.Name), ['live']);
  const qualified = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'lam', Qualifier: 'live' }));
  assert.equal(qualified.Version, v2.Version);
  await rejects(lambda.send(new UpdateAliasCommand({ FunctionName: 'lam', Name: 'live', FunctionVersion: v1.Version, RevisionId: alias.RevisionId })), 'PreconditionFailedException');
  await lambda.send(new DeleteAliasCommand({ FunctionName: 'lam', Name: 'live' }));
  await rejects(lambda.send(new GetAliasCommand({ FunctionName: 'lam', Name: 'live' })), 'ResourceNotFoundException');
});

test('reserved concurrency and function URL configs', async () => {
  const put = await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'lam', ReservedConcurrentExecutions: 3 }));
  assert.equal(put.ReservedConcurrentExecutions, 3);
  assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'lam' }))).Concurrency?.ReservedConcurrentExecutions, 3);
  await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'lam' }));
  assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'lam' }))).Concurrency, undefined);

  const url = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', AuthType: 'NONE' }));
  assert.equal(url.$metadata.httpStatusCode, 201);
  assert.equal(url.FunctionUrl, `${s.url}/fn/lam/`);
  assert.equal((await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'lam' }))).AuthType, 'NONE');
  await rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', AuthType: 'NONE' })), 'ResourceConflictException');
  await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'lam' }));
  await rejects(lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'lam' })), 'ResourceNotFoundException');
});

test('errors carry the Lambda exception names clients branch on', async () => {
  await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException');
  await rejects(lambda.send(new InvokeCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException');
  await rejects(lambda.send(new InvokeCommand({ FunctionName: 'lam', Qualifier: 'no-such-alias' })), 'ResourceNotFoundException');
  const zip = await zipFiles({ 'lambda_function.py': code('x') });
  await rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'lam', Role: 'r', Handler: 'lambda_function.handler', Code: { ZipFile: zip } })), 'ResourceConflictException');
  const badRuntime = await rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'bad', Role: 'r', Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip } })), 'InvalidParameterValueException');
  assert.equal(badRuntime.$metadata?.httpStatusCode, 400);
  await rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'bad', Role: 'r', Handler: 'h.handler', Code: { ZipFile: new TextEncoder().encode('not a zip') } })), 'InvalidParameterValueException');
  await rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'bad', Role: 'r', Handler: 'lambda_function.handler', MemorySize: 64, Code: { ZipFile: zip } })), 'InvalidParameterValueException');
  const big = new TextEncoder().encode(JSON.stringify({ pad: 'x'.repeat(6 * 1024 * 1024) }));
  const tooLarge = await rejects(lambda.send(new InvokeCommand({ FunctionName: 'lam', Payload: big })), 'RequestTooLargeException');
  assert.equal(tooLarge.$metadata?.httpStatusCode, 413);
  await rejects(lambda.send(new InvokeCommand({ FunctionName: 'lam', Payload: new TextEncoder().encode('{not json') })), 'InvalidRequestContentException');
  await rejects(lambda.send(new CreateAliasCommand({ FunctionName: 'lam', Name: 'x', FunctionVersion: '999' })), 'ResourceNotFoundException');
  await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'bad' })), 'ResourceNotFoundException', );
  const raw = await s.api('GET', '/2015-03-31/functions/nope', undefined, {});
  assert.equal(raw.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
  assert.ok(raw.headers.get('x-amzn-requestid'));
  assert.deepEqual(Object.keys(raw.json()).sort(), ['Type', 'message']);
});

test('a wrong secret and a tampered body are refused; an unsigned request too', async () => {
  const wrong = client('not-the-secret');
  try {
    const err = await rejects(wrong.send(new ListFunctionsCommand({})), 'InvalidSignatureException');
    assert.equal(err.$metadata?.httpStatusCode, 403);
  } finally {
    wrong.destroy();
  }
  const tampering = client(KEY_SECRET);
  // runs after the signer: the body changes, the signature and x-amz-content-sha256 do not
  const tamper = (next: (a: unknown) => Promise<unknown>) => async (args: unknown) => {
    const req = (args as { request: { body: unknown } }).request;
    req.body = Buffer.from(Buffer.from(req.body as Uint8Array).toString('utf8').replace('"n":1', '"n":2'));
    return next(args);
  };
  tampering.middlewareStack.addRelativeTo(tamper as never, { relation: 'after', toMiddleware: 'httpSigningMiddleware', name: 'tamper' });
  try {
    await rejects(tampering.send(new InvokeCommand({ FunctionName: 'lam', Payload: payload({ n: 1 }) })), 'InvalidSignatureException');
  } finally {
    tampering.destroy();
  }
  const unsigned = await fetch(`${s.url}/2015-03-31/functions/`);
  assert.equal(unsigned.status, 401);
  assert.equal(unsigned.headers.get('x-amzn-errortype'), 'UnrecognizedClientException');
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

test('DeleteFunction removes the function', async () => {
  const del = await lambda.send(new DeleteFunctionCommand({ FunctionName: 'lam' }));
  assert.equal(del.$metadata.httpStatusCode, 204);
  await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'lam' })), 'ResourceNotFoundException');
});
