// Lambda aliases with the real AWS SDK, in process: create, get, list (filtered and
// paged), update with a RevisionId, delete, and what is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand, DeleteAliasCommand, GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, ListAliasesCommand, UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';

let t: TestApp;
let lambda: LambdaClient;
before(async () => {
  t = await startTestApp();
  lambda = lambdaClient(t.app);
  await t.deploy('fn');
  await t.deploy('fn');
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

test('an alias is created (201), read, listed, moved with its RevisionId and deleted', async () => {
  const alias = await lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1', Description: 'prod' }));
  assert.equal(alias.$metadata.httpStatusCode, 201);
  assert.equal(alias.AliasArn, 'arn:aws:lambda:local:000000000000:function:fn:live');
  assert.equal(alias.FunctionVersion, '1');
  assert.ok(alias.RevisionId);
  assert.equal((await lambda.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'live' }))).Description, 'prod');
  assert.equal((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn', Qualifier: 'live' }))).Version, '1');

  const moved = await lambda.send(new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '2', RevisionId: alias.RevisionId }));
  assert.equal(moved.FunctionVersion, '2');
  assert.notEqual(moved.RevisionId, alias.RevisionId);
  await rejects(lambda.send(new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1', RevisionId: alias.RevisionId })), 'PreconditionFailedException');

  await lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'canary', FunctionVersion: '1' }));
  assert.deepEqual((await lambda.send(new ListAliasesCommand({ FunctionName: 'fn' }))).Aliases?.map((a) => a.Name), ['canary', 'live']);
  assert.deepEqual((await lambda.send(new ListAliasesCommand({ FunctionName: 'fn', FunctionVersion: '2' }))).Aliases?.map((a) => a.Name), ['live']);
  const page = await lambda.send(new ListAliasesCommand({ FunctionName: 'fn', MaxItems: 1 }));
  assert.equal(page.Aliases?.length, 1);
  assert.ok(page.NextMarker);

  assert.equal((await lambda.send(new DeleteAliasCommand({ FunctionName: 'fn', Name: 'live' }))).$metadata.httpStatusCode, 204);
  await rejects(lambda.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'live' })), 'ResourceNotFoundException');
  assert.equal((await lambda.send(new DeleteAliasCommand({ FunctionName: 'fn', Name: 'live' }))).$metadata.httpStatusCode, 204, 'deleting a missing alias is 204, as on Lambda');
});

test('an alias of a missing version, a duplicate alias and weighted routing are refused', async () => {
  await rejects(lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'x', FunctionVersion: '999' })), 'ResourceNotFoundException');
  await lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'dup', FunctionVersion: '1' }));
  await rejects(lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'dup', FunctionVersion: '1' })), 'ResourceConflictException');
  await rejects(lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'split', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { 2: 0.5 } } })), 'InvalidParameterValueException');
  await rejects(lambda.send(new UpdateAliasCommand({ FunctionName: 'fn', Name: 'nope', FunctionVersion: '1' })), 'ResourceNotFoundException');
  await rejects(lambda.send(new ListAliasesCommand({ FunctionName: 'fn:live' })), 'InvalidParameterValueException');
});
