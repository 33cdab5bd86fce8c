// Tags (TagResource, UntagResource, ListTags, Tags on CreateFunction and GetFunction),
// RuntimeVersionConfig in configurations and GetAccountSettings, through the real AWS
// SDK and as the AWS CLI sends them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  CreateFunctionCommand, DeleteFunctionCommand, DeleteFunctionConcurrencyCommand, GetAccountSettingsCommand, GetFunctionCommand,
  GetFunctionConfigurationCommand, LambdaClient, ListTagsCommand, PutFunctionConcurrencyCommand, TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';
import { zipFiles } from '../../../test/fakes/zip.js';

let t: TestApp;
let lambda: LambdaClient;
let zip: Uint8Array;
before(async () => {
  t = await startTestApp({ SKYSCALE_MAX_SANDBOXES: '20' });
  lambda = lambdaClient(t.app);
  zip = await zipFiles({ 'handler.py': 'def handler(event, context):\n    return event\n' });
});
after(async () => {
  lambda?.destroy();
  await t?.close();
});

const ROLE = 'arn:aws:iam::123456789012:role/x';
const ARN = 'arn:aws:lambda:local:000000000000:function';
const create = (name: string, extra: Record<string, unknown> = {}) =>
  lambda.send(new CreateFunctionCommand({ FunctionName: name, Role: ROLE, Runtime: 'python3.12', Handler: 'handler.handler', Code: { ZipFile: zip }, ...extra }));

async function refused(p: Promise<unknown>, name: string, message: string | RegExp): Promise<void> {
  try {
    await p;
  } catch (err) {
    const e = err as Error;
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

test('tags round trip: set on create, shown by GetFunction and ListTags, added, replaced and removed by ARN', async () => {
  await create('tagged', { Tags: { team: 'data', stage: 'dev' } });
  assert.deepEqual((await lambda.send(new GetFunctionCommand({ FunctionName: 'tagged' }))).Tags, { stage: 'dev', team: 'data' });
  assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${ARN}:tagged` }))).Tags, { stage: 'dev', team: 'data' });

  const tagged = await lambda.send(new TagResourceCommand({ Resource: `${ARN}:tagged`, Tags: { stage: 'prod', owner: '' } }));
  assert.equal(tagged.$metadata.httpStatusCode, 204);
  assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${ARN}:tagged` }))).Tags, { owner: '', stage: 'prod', team: 'data' });

  const untagged = await lambda.send(new UntagResourceCommand({ Resource: `${ARN}:tagged`, TagKeys: ['team', 'owner', 'never-set'] }));
  assert.equal(untagged.$metadata.httpStatusCode, 204);
  assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${ARN}:tagged` }))).Tags, { stage: 'prod' });

  await lambda.send(new UntagResourceCommand({ Resource: `${ARN}:tagged`, TagKeys: ['stage'] }));
  assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'tagged' }))).Tags, undefined, 'no Tags member when there are none');
  assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${ARN}:tagged` }))).Tags, {});
});

test('tags are stored in the database and go with their function', async () => {
  await create('short-lived', { Tags: { a: '1' } });
  const rows = () => {
    const db = new Database(join(t.dataDir, 'skyscale.db'), { readonly: true });
    try {
      return db.prepare("SELECT key, value FROM function_tags WHERE function_name = 'short-lived'").all();
    } finally {
      db.close();
    }
  };
  assert.deepEqual(rows(), [{ key: 'a', value: '1' }]);
  await lambda.send(new DeleteFunctionCommand({ FunctionName: 'short-lived' }));
  assert.deepEqual(rows(), []);
  await create('short-lived');
  assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${ARN}:short-lived` }))).Tags, {}, 'a function made again starts without the old tags');
});

test('tag limits as AWS has them: 50 per function, keys of 1-128 characters without "aws:", values up to 256', async () => {
  await create('limits');
  const resource = `${ARN}:limits`;
  const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
  await lambda.send(new TagResourceCommand({ Resource: resource, Tags: fifty }));
  await lambda.send(new TagResourceCommand({ Resource: resource, Tags: { k0: 'replaced' } }));
  await refused(lambda.send(new TagResourceCommand({ Resource: resource, Tags: { one: 'too many' } })), 'InvalidParameterValueException',
    'Number of tags exceeds function tag limit.');
  await refused(lambda.send(new TagResourceCommand({ Resource: resource, Tags: {} })), 'InvalidParameterValueException', 'An error occurred and the request cannot be processed.');
  await refused(lambda.send(new TagResourceCommand({ Resource: resource, Tags: { 'aws:team': 'x' } })), 'InvalidParameterValueException',
    'Tag keys starting with \'aws:\' are reserved for internal use: "aws:team"');
  await refused(lambda.send(new TagResourceCommand({ Resource: resource, Tags: { ['k'.repeat(129)]: 'x' } })), 'InvalidParameterValueException', /^Tag key must be between 1 and 128 characters/);
  await refused(lambda.send(new TagResourceCommand({ Resource: resource, Tags: { k0: 'v'.repeat(257) } })), 'InvalidParameterValueException',
    'Tag value for key "k0" must be at most 256 characters');
  const tags = (await lambda.send(new ListTagsCommand({ Resource: resource }))).Tags!;
  assert.equal(Object.keys(tags).length, 50);
  assert.equal(tags.k0, 'replaced', 'a refused request changed nothing');
  await refused(create('limits-on-create', { Tags: { 'AWS:x': 'y' } }), 'InvalidParameterValueException', /^Tag keys starting with 'aws:'/);
  await refused(lambda.send(new GetFunctionCommand({ FunctionName: 'limits-on-create' })), 'ResourceNotFoundException', `Function not found: ${ARN}:limits-on-create`);
});

test('tags name their function by ARN: a missing function, a qualified ARN and a name that is not an ARN are refused', async () => {
  await refused(lambda.send(new ListTagsCommand({ Resource: `${ARN}:nope` })), 'ResourceNotFoundException', `Function not found: ${ARN}:nope`);
  await refused(lambda.send(new TagResourceCommand({ Resource: `${ARN}:nope`, Tags: { a: 'b' } })), 'ResourceNotFoundException', `Function not found: ${ARN}:nope`);
  await create('versioned');
  await refused(lambda.send(new TagResourceCommand({ Resource: `${ARN}:versioned:1`, Tags: { a: 'b' } })), 'InvalidParameterValueException',
    'Tagging operations are permitted on Lambda functions only. Tags on aliases and versions are not supported. Please specify either a function name or a function ARN.');
  await refused(lambda.send(new ListTagsCommand({ Resource: 'versioned' })), 'ValidationException', /^1 validation error detected: Value 'versioned' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:/);
});

test('as the AWS CLI sends them: tag-resource, untag-resource with tagKeys repeated, list-tags', async () => {
  await create('cli');
  const path = `/2017-03-31/tags/${encodeURIComponent(`${ARN}:cli`)}`;
  const tag = await t.request('POST', path, { Tags: { env: 'test', team: 'core', x: 'y' } });
  assert.equal(tag.statusCode, 204);
  const untag = await t.request('DELETE', `${path}?tagKeys=team&tagKeys=x`);
  assert.equal(untag.statusCode, 204);
  const one = await t.request('DELETE', `${path}?tagKeys=nothing`);
  assert.equal(one.statusCode, 204);
  const list = await t.request('GET', path);
  assert.deepEqual(list.json(), { Tags: { env: 'test' } });
  const noKeys = await t.request('DELETE', path);
  assert.equal(noKeys.headers['x-amzn-errortype'], 'ValidationException');
  assert.equal(noKeys.json().message, "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
});

test('RuntimeVersionConfig: an ARN shaped as Lambda\'s, the same for every function of a runtime, another for another runtime', async () => {
  await create('rv-a');
  await create('rv-b');
  await create('rv-c', { Runtime: 'python3.11' });
  const arnOf = async (name: string) => (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).RuntimeVersionConfig?.RuntimeVersionArn;
  const a = await arnOf('rv-a');
  assert.match(a!, /^arn:aws:lambda:local::runtime:[0-9a-f]{64}$/);
  assert.equal(await arnOf('rv-b'), a);
  assert.notEqual(await arnOf('rv-c'), a);
  assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'rv-a' }))).Configuration?.RuntimeVersionConfig?.RuntimeVersionArn, a);
});

/** The bytes of the code store's packages, counted from the data directory. */
function storedCodeBytes(): number {
  const root = join(t.dataDir, 'code');
  let total = 0;
  for (const dir of readdirSync(root)) for (const f of readdirSync(join(root, dir))) if (/^[0-9a-f]{64}$/.test(f)) total += statSync(join(root, dir, f)).size;
  return total;
}

test('GetAccountSettings: this node\'s limits and use, unreserved concurrency net of reservations', async () => {
  await create('acct-1');
  await create('acct-2');
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'acct-1', ReservedConcurrentExecutions: 3 }));
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'acct-2', ReservedConcurrentExecutions: 4 }));
  try {
    const s = await lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(s.AccountLimit?.ConcurrentExecutions, 20, 'the node\'s concurrency (SKYSCALE_MAX_SANDBOXES)');
    assert.equal(s.AccountLimit?.UnreservedConcurrentExecutions, 13);
    assert.equal(s.AccountLimit?.CodeSizeZipped, 52_428_800);
    assert.equal(s.AccountLimit?.CodeSizeUnzipped, 262_144_000);
    assert.equal(s.AccountUsage?.FunctionCount, t.services.registry.list().length);
    assert.equal(s.AccountUsage?.TotalCodeSize, storedCodeBytes());
    assert.ok(s.AccountUsage!.TotalCodeSize! > 0);
    assert.ok(s.AccountLimit!.TotalCodeSize! > s.AccountUsage!.TotalCodeSize!, 'the store can hold more than it does');
  } finally {
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'acct-1' }));
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'acct-2' }));
  }
  // as the AWS CLI asks (a trailing slash), and a key limited to some functions may not
  const cli = await t.request('GET', '/2016-08-19/account-settings/');
  assert.equal(cli.statusCode, 200);
  assert.equal(cli.json().AccountLimit.UnreservedConcurrentExecutions, 20);
  const scoped = t.services.keys.create({ role: 'viewer', functions: ['acct-*'] }).secret;
  const refusedScoped = await t.request('GET', '/2016-08-19/account-settings', undefined, { authorization: `Bearer ${scoped}` });
  assert.equal(refusedScoped.statusCode, 403);
  assert.equal(refusedScoped.headers['x-amzn-errortype'], 'AccessDeniedException');
});
