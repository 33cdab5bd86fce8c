// Lambda functions and versions with the real AWS SDK, in process (inject() behind
// the SDK's request handler): create, wait, get by name and ARN, list with pagination,
// update configuration and code, publish, list versions, delete, and the exceptions
// clients branch on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, ListFunctionsCommand,
  ListVersionsByFunctionCommand, PublishVersionCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2, waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';
import { zipFiles } from '../../../test/fakes/zip.js';

let t: TestApp;
let lambda: LambdaClient;
before(async () => {
  t = await startTestApp();
  lambda = lambdaClient(t.app);
});
after(async () => {
  lambda?.destroy();
  await t?.close();
});

const ROLE = 'arn:aws:iam::123456789012:role/x';
const code = (tag: string) => zipFiles({ 'lambda_function.py': `def handler(event, context):\n    return "${tag}"\n` });
const create = async (name: string, extra: Record<string, unknown> = {}) => lambda.send(new CreateFunctionCommand({
  FunctionName: name, Role: ROLE, Runtime: 'python3.12', Handler: 'lambda_function.handler', Code: { ZipFile: await code(name) }, ...extra,
}));

async function rejects(p: Promise<unknown>, name: string): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    assert.equal((err as Error).name, name, `expected ${name}, got ${(err as Error).name}: ${(err as Error).message}`);
    return err as Error;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

test('CreateFunction answers 201 with the configuration; the waiter returns; GetFunction works by name and ARN', async () => {
  const created = await create('lam', { Timeout: 5, MemorySize: 256, Environment: { Variables: { GREETING: 'hi' } }, Description: 'first' });
  assert.equal(created.$metadata.httpStatusCode, 201);
  assert.equal(created.Version, '$LATEST');
  assert.equal(created.Handler, 'lambda_function.handler');
  assert.equal(created.MemorySize, 256);
  assert.equal(created.Timeout, 5);
  assert.equal(created.State, 'Active');
  assert.match(created.FunctionArn!, /^arn:aws:lambda:local:000000000000:function:lam$/);
  assert.match(created.CodeSha256!, /^[A-Za-z0-9+/]{43}=$/);
  assert.match(created.LastModified!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  assert.ok(created.RevisionId);
  assert.equal((await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 5 }, { FunctionName: 'lam' })).state, 'SUCCESS');

  const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'lam' }));
  assert.equal(got.Configuration?.State, 'Active');
  assert.equal(got.Configuration?.LastUpdateStatus, 'Successful');
  assert.deepEqual(got.Configuration?.Environment?.Variables, { GREETING: 'hi' });
  assert.equal(got.Concurrency, undefined);
  for (const name of [created.FunctionArn!, '000000000000:function:lam', 'lam:$LATEST']) {
    assert.equal((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).FunctionName, 'lam', name);
  }
});

test('ListFunctions pages with MaxItems and Marker; FunctionVersion=ALL lists versions too', async () => {
  await create('page-a');
  await create('page-b', { Publish: true });
  const seen: string[] = [];
  let marker: string | undefined;
  do {
    const page = await lambda.send(new ListFunctionsCommand({ MaxItems: 1, Marker: marker }));
    assert.equal(page.Functions?.length, 1);
    seen.push(page.Functions![0]!.FunctionName!);
    marker = page.NextMarker;
  } while (marker);
  assert.deepEqual(seen.filter((n) => n.startsWith('page-')), ['page-a', 'page-b']);
  const all = await lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
  assert.deepEqual(all.Functions?.filter((f) => f.FunctionName === 'page-b').map((f) => f.Version), ['$LATEST', '1']);
});

test('UpdateFunctionConfiguration changes $LATEST at once; UpdateFunctionCode changes its code; PublishVersion snapshots it', async () => {
  await create('upd', { Environment: { Variables: { GREETING: 'hi' } } });
  const updated = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'upd', Environment: { Variables: { GREETING: 'hello' } }, Timeout: 6 }));
  assert.equal(updated.Timeout, 6);
  assert.equal(updated.LastUpdateStatus, 'Successful');
  await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 5 }, { FunctionName: 'upd' });

  const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'upd', Description: 'one' }));
  assert.equal(v1.$metadata.httpStatusCode, 201);
  assert.equal(v1.FunctionArn, `arn:aws:lambda:local:000000000000:function:upd:${v1.Version}`);
  assert.deepEqual(v1.Environment?.Variables, { GREETING: 'hello' }, 'the version has the settings $LATEST had');
  assert.equal((await lambda.send(new PublishVersionCommand({ FunctionName: 'upd' }))).Version, v1.Version, 'publishing an unchanged $LATEST returns the same version');

  const code2 = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'upd', ZipFile: await code('v2') }));
  assert.equal(code2.Version, '$LATEST');
  assert.notEqual(code2.CodeSha256, v1.CodeSha256);
  const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: 'upd', CodeSha256: code2.CodeSha256 }));
  assert.ok(Number(v2.Version) > Number(v1.Version));
  const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'upd' }));
  assert.deepEqual(versions.Versions?.map((v) => v.Version), ['$LATEST', v1.Version, v2.Version]);
  const page = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'upd', MaxItems: 2 }));
  assert.equal(page.Versions?.length, 2);
  assert.ok(page.NextMarker);
  assert.equal((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'upd', Qualifier: v1.Version }))).Version, v1.Version);
});

test('a RevisionId that is not the current one is PreconditionFailedException; a CodeSha256 that does not match is refused', async () => {
  const created = await create('rev');
  await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'rev', Description: 'moved on', RevisionId: created.RevisionId }));
  const stale = await rejects(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'rev', Timeout: 9, RevisionId: created.RevisionId })), 'PreconditionFailedException');
  assert.equal(stale.$metadata?.httpStatusCode, 412);
  await rejects(lambda.send(new PublishVersionCommand({ FunctionName: 'rev', CodeSha256: 'AAAA' })), 'InvalidParameterValueException');
});

test('DeleteFunction with a version Qualifier deletes that version; without, the function (204)', async () => {
  await create('del', { Publish: true });
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'del', ZipFile: await code('two'), Publish: true }));
  const byVersion = await lambda.send(new DeleteFunctionCommand({ FunctionName: 'del', Qualifier: '1' }));
  assert.equal(byVersion.$metadata.httpStatusCode, 204);
  assert.deepEqual((await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'del' }))).Versions?.map((v) => v.Version), ['$LATEST', '2']);
  await rejects(lambda.send(new DeleteFunctionCommand({ FunctionName: 'del', Qualifier: '2' })), 'ResourceConflictException');
  assert.equal((await lambda.send(new DeleteFunctionCommand({ FunctionName: 'del' }))).$metadata.httpStatusCode, 204);
  await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'del' })), 'ResourceNotFoundException');
});

test('errors carry the Lambda exception names clients branch on', async () => {
  await create('exists');
  await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException');
  await rejects(create('exists'), 'ResourceConflictException');
  const badRuntime = await rejects(create('bad', { Runtime: 'nodejs20.x' }), 'InvalidParameterValueException');
  assert.equal(badRuntime.$metadata?.httpStatusCode, 400);
  await rejects(create('bad', { Code: { ZipFile: new TextEncoder().encode('not a zip') } }), 'InvalidParameterValueException');
  await rejects(create('bad', { Code: { S3Bucket: 'b', S3Key: 'k' } }), 'InvalidParameterValueException');
  await rejects(create('bad', { PackageType: 'Image' }), 'InvalidParameterValueException');
  await rejects(create('bad:1'), 'InvalidParameterValueException');
  await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'exists:1', Qualifier: '2' })), 'InvalidParameterValueException');
  await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'bad' })), 'ResourceNotFoundException');
});

test('CreateFunction takes Runtime nodejs22.x with an index.mjs handler; a runtime the node lacks is InvalidParameterValueException naming those it has', async () => {
  const created = await lambda.send(new CreateFunctionCommand({
    FunctionName: 'lam-node', Role: ROLE, Runtime: 'nodejs22.x', Handler: 'index.handler',
    Code: { ZipFile: await zipFiles({ 'index.mjs': 'export const handler = async () => "node";\n' }) },
  }));
  assert.equal(created.Runtime, 'nodejs22.x');
  assert.equal(created.Handler, 'index.handler');
  const err = await rejects(lambda.send(new CreateFunctionCommand({
    FunctionName: 'lam-node20', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler',
    Code: { ZipFile: await zipFiles({ 'index.mjs': 'export const handler = async () => 1;\n' }) },
  })), 'InvalidParameterValueException');
  // in AWS's words, listing the names this node accepts
  assert.match(err.message, /Value nodejs20\.x at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[python3\.11, nodejs22\.x, nodejs24\.x, /);
});
