// Reserved concurrency (two date prefixes) and function URL configs with the real AWS
// SDK, in process.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateFunctionUrlConfigCommand, DeleteFunctionConcurrencyCommand, DeleteFunctionUrlConfigCommand, GetFunctionCommand, GetFunctionConcurrencyCommand,
  GetFunctionUrlConfigCommand, LambdaClient, ListFunctionUrlConfigsCommand, PutFunctionConcurrencyCommand, UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';

let t: TestApp;
let lambda: LambdaClient;
before(async () => {
  t = await startTestApp();
  lambda = lambdaClient(t.app);
  await t.deploy('lam');
  await t.request('PUT', '/v1/functions/lam/aliases/live', { version: 1 });
});
after(async () => {
  lambda?.destroy();
  await t?.close();
});

async function rejects(p: Promise<unknown>, name: string): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    return true;
  });
}

test('reserved concurrency is put, read (GetFunction and GetFunctionConcurrency) and deleted', async () => {
  assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'lam' }))).ReservedConcurrentExecutions, undefined);
  const put = await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'lam', ReservedConcurrentExecutions: 3 }));
  assert.equal(put.ReservedConcurrentExecutions, 3);
  assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'lam' }))).Concurrency?.ReservedConcurrentExecutions, 3);
  assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'lam' }))).ReservedConcurrentExecutions, 3);
  assert.equal(t.services.registry.reservedConcurrency('lam'), 3, 'the scheduler sees it');
  await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'lam' }));
  assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'lam' }))).Concurrency, undefined);
  await rejects(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'lam', ReservedConcurrentExecutions: 100_000 })), 'InvalidParameterValueException');
  await rejects(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'nope', ReservedConcurrentExecutions: 1 })), 'ResourceNotFoundException');
});

test('a function URL config is created (201) with its URL, read, updated, listed and deleted', async () => {
  const url = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', AuthType: 'NONE' }));
  assert.equal(url.$metadata.httpStatusCode, 201);
  assert.equal(url.FunctionUrl, 'http://localhost/fn/lam/');
  assert.equal(url.FunctionArn, 'arn:aws:lambda:local:000000000000:function:lam');
  assert.equal(url.InvokeMode, 'BUFFERED');
  await rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', AuthType: 'NONE' })), 'ResourceConflictException');
  const aliased = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', Qualifier: 'live', AuthType: 'AWS_IAM' }));
  assert.equal(aliased.FunctionUrl, 'http://localhost/fn/lam:live/');

  const updated = await lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'lam', AuthType: 'AWS_IAM', Cors: { AllowOrigins: ['*'] } }));
  assert.equal(updated.AuthType, 'AWS_IAM');
  assert.deepEqual(updated.Cors?.AllowOrigins, ['*']);
  assert.equal((await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'lam' }))).AuthType, 'AWS_IAM');
  assert.deepEqual((await lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'lam' }))).FunctionUrlConfigs?.map((u) => u.FunctionUrl).sort(),
    ['http://localhost/fn/lam/', 'http://localhost/fn/lam:live/']);

  await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'lam' }));
  await rejects(lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'lam' })), 'ResourceNotFoundException');
  await rejects(lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'lam' })), 'ResourceNotFoundException');
});

test('a URL config for a missing alias, $LATEST or a version, with an unknown AuthType, or streaming, is refused', async () => {
  await rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', Qualifier: 'nope', AuthType: 'NONE' })), 'ResourceNotFoundException');
  await rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', Qualifier: '$LATEST', AuthType: 'NONE' })), 'ValidationException');
  await rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', Qualifier: '1', AuthType: 'NONE' })), 'ValidationException');
  await rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', AuthType: 'OPEN' as 'NONE' })), 'ValidationException');
  await rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'lam', AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' })), 'InvalidParameterValueException');
});
