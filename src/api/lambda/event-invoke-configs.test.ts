// Event invoke configs with the real AWS SDK, in process: put, update, get, list and
// delete for a function and an alias, the ranges AWS declares, the exceptions AWS names,
// and the settings the queue then runs events under.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteFunctionEventInvokeConfigCommand, GetFunctionEventInvokeConfigCommand, LambdaClient, ListFunctionEventInvokeConfigsCommand,
  PutFunctionEventInvokeConfigCommand, UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';

let t: TestApp;
let lambda: LambdaClient;
before(async () => {
  t = await startTestApp();
  lambda = lambdaClient(t.app);
  await t.deploy('lam');
  await t.deploy('lam-failures');
  await t.request('PUT', '/v1/functions/lam/aliases/live', { version: 1 });
});
after(async () => {
  lambda?.destroy();
  await t?.close();
});

async function rejects(p: Promise<unknown>, name: string): Promise<Error> {
  let caught: Error | null = null;
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    caught = err;
    return true;
  });
  return caught!;
}

test('put, get, update and delete a function\'s config; the queue runs its events under it', async () => {
  await rejects(lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'lam' })), 'ResourceNotFoundException');
  const put = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'lam', MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600 }));
  assert.match(put.FunctionArn!, /^arn:aws:lambda:[a-z0-9-]+:[0-9]{12}:function:lam$/);
  assert.deepEqual([put.MaximumRetryAttempts, put.MaximumEventAgeInSeconds], [1, 600]);
  assert.ok(put.LastModified instanceof Date && Math.abs(put.LastModified.getTime() - Date.now()) < 60_000, 'LastModified is a time the SDK reads');
  assert.deepEqual(t.services.asyncInvocations.configs.settingsFor('lam', null), { maxRetryAttempts: 1, maxEventAgeSeconds: 600 });

  const updated = await lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'lam', MaximumRetryAttempts: 0 }));
  assert.deepEqual([updated.MaximumRetryAttempts, updated.MaximumEventAgeInSeconds], [0, 600], 'Update keeps what it does not name');
  const replaced = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'lam', MaximumEventAgeInSeconds: 120 }));
  assert.deepEqual([replaced.MaximumRetryAttempts, replaced.MaximumEventAgeInSeconds], [2, 120], 'Put resets what it does not name');
  const got = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'lam' }));
  assert.deepEqual([got.MaximumRetryAttempts, got.MaximumEventAgeInSeconds], [2, 120]);

  await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'lam' }));
  await rejects(lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'lam' })), 'ResourceNotFoundException');
  assert.deepEqual(t.services.asyncInvocations.configs.settingsFor('lam', null), { maxRetryAttempts: 2, maxEventAgeSeconds: 21600 }, 'back to the defaults');
});

test('an alias has a config of its own, listed beside the function\'s; its events run under it, others under the function\'s', async () => {
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'lam', MaximumRetryAttempts: 2 }));
  const alias = await lambda.send(new PutFunctionEventInvokeConfigCommand({
    FunctionName: 'lam', Qualifier: 'live', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: 'arn:aws:lambda:local:000000000000:function:lam-failures' } },
  }));
  assert.match(alias.FunctionArn!, /:function:lam:live$/);
  assert.equal(alias.DestinationConfig?.OnFailure?.Destination, 'arn:aws:lambda:local:000000000000:function:lam-failures', 'stored and shown as sent');
  const listed = await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'lam' }));
  assert.deepEqual(listed.FunctionEventInvokeConfigs!.map((c) => [c.FunctionArn!.split(':').slice(6).join(':'), c.MaximumRetryAttempts]), [['lam', 2], ['lam:live', 0]]);
  const paged = await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'lam', MaxItems: 1 }));
  assert.equal(paged.FunctionEventInvokeConfigs!.length, 1);
  const rest = await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'lam', MaxItems: 1, Marker: paged.NextMarker! }));
  assert.deepEqual([rest.FunctionEventInvokeConfigs!.length, rest.NextMarker], [1, undefined]);
  assert.equal(t.services.asyncInvocations.configs.settingsFor('lam', 'live').maxRetryAttempts, 0);
  assert.equal(t.services.asyncInvocations.configs.settingsFor('lam', '1').maxRetryAttempts, 2, 'a qualifier without a config of its own takes the function\'s');
});

test('out of AWS\'s ranges is a ValidationException; an unknown function, alias or missing config a ResourceNotFoundException', async () => {
  const err = await rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'lam', MaximumRetryAttempts: 3 })), 'ValidationException');
  assert.match(err.message, /maximumRetryAttempts|MaximumRetryAttempts/);
  await rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'lam', MaximumEventAgeInSeconds: 59 })), 'ValidationException');
  await rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'nope', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException');
  await rejects(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'lam', Qualifier: 'gone', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException');
  await rejects(lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'lam', Qualifier: '1', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException');
});
