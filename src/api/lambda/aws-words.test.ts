// The Lambda API's errors in AWS's words, through the real AWS SDK: each operation's
// not-found, conflict, precondition and size errors carry the exception name and the
// message AWS answers, and a resource not found carries {Type, Message}.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateAliasCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteAliasCommand, DeleteFunctionCommand, DeleteFunctionConcurrencyCommand,
  DeleteFunctionUrlConfigCommand, GetAliasCommand, GetFunctionCommand, GetFunctionConcurrencyCommand, GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand, InvokeCommand, LambdaClient, ListAliasesCommand, ListFunctionUrlConfigsCommand, ListVersionsByFunctionCommand,
  PublishVersionCommand, PutFunctionConcurrencyCommand, UpdateAliasCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { operationOf } from './aws-words.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';
import { zipFiles } from '../../../test/fakes/zip.js';

let t: TestApp;
let lambda: LambdaClient;
let zip: Uint8Array;
before(async () => {
  t = await startTestApp();
  lambda = lambdaClient(t.app);
  zip = await zipFiles({ 'handler.py': 'def handler(event, context):\n    return event\n' });
  await t.deploy('fn');
  await t.deploy('fn');
  await lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '1' }));
});
after(async () => {
  lambda?.destroy();
  await t?.close();
});

const ROLE = 'arn:aws:iam::123456789012:role/x';
const ARN = 'arn:aws:lambda:local:000000000000:function';

/** The call is refused with that exception and exactly that message; returns the error. */
async function refused(p: Promise<unknown>, name: string, message: string): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error;
    assert.equal(e.name, name, `expected ${name}, got ${e.name}: ${e.message}`);
    assert.equal(e.message, message);
    return e;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}

const notFound = (p: Promise<unknown>, message: string) => refused(p, 'ResourceNotFoundException', message);

test('a missing function is "Function not found: <arn>" in every function operation, with the qualifier asked for', async () => {
  const missing = `Function not found: ${ARN}:nope`;
  await notFound(lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })), missing);
  await notFound(lambda.send(new GetFunctionCommand({ FunctionName: `${ARN}:nope` })), missing);
  await notFound(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'nope' })), missing);
  await notFound(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'nope', Timeout: 5 })), missing);
  await notFound(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'nope', ZipFile: zip })), missing);
  await notFound(lambda.send(new DeleteFunctionCommand({ FunctionName: 'nope' })), missing);
  await notFound(lambda.send(new PublishVersionCommand({ FunctionName: 'nope' })), missing);
  await notFound(lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'nope' })), missing);
  await notFound(lambda.send(new ListAliasesCommand({ FunctionName: 'nope' })), missing);
  await notFound(lambda.send(new GetAliasCommand({ FunctionName: 'nope', Name: 'live' })), missing);
  await notFound(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'nope', ReservedConcurrentExecutions: 1 })), `${missing}:$LATEST`);
  await notFound(lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'nope' })), missing);
  await notFound(lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'nope' })), missing);
  await notFound(lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'nope' })), 'Function does not exist');
  await notFound(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'nope', AuthType: 'NONE' })), 'Function does not exist');
  await notFound(lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'nope' })), 'The resource you requested does not exist.');
  // DeleteFunction names the function alone
  await notFound(lambda.send(new DeleteFunctionCommand({ FunctionName: 'nope', Qualifier: '3' })), missing);
  // Invoke names $LATEST when no qualifier is given; a qualifier asked for is named
  await notFound(lambda.send(new InvokeCommand({ FunctionName: 'nope' })), `${missing}:$LATEST`);
  await notFound(lambda.send(new GetFunctionCommand({ FunctionName: 'nope', Qualifier: '3' })), `${missing}:3`);
  await notFound(lambda.send(new InvokeCommand({ FunctionName: 'nope:live' })), `${missing}:live`);
});

test('a missing version or alias of a function that exists: its ARN, and the alias operations in their own words', async () => {
  await notFound(lambda.send(new GetFunctionCommand({ FunctionName: 'fn', Qualifier: '9' })), `Function not found: ${ARN}:fn:9`);
  await notFound(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn:gone' })), `Function not found: ${ARN}:fn:gone`);
  await notFound(lambda.send(new InvokeCommand({ FunctionName: 'fn', Qualifier: '9' })), `Function not found: ${ARN}:fn:9`);
  await notFound(lambda.send(new DeleteFunctionCommand({ FunctionName: 'fn', Qualifier: '9' })), `Function not found: ${ARN}:fn:9`);
  await notFound(lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'next', FunctionVersion: '9' })), `Function not found: ${ARN}:fn:9`);
  await notFound(lambda.send(new GetAliasCommand({ FunctionName: 'fn', Name: 'gone' })), `Cannot find alias arn: ${ARN}:fn:gone`);
  await notFound(lambda.send(new UpdateAliasCommand({ FunctionName: 'fn', Name: 'gone', FunctionVersion: '1' })), `Alias not found: ${ARN}:fn:gone`);
  const deleted = await lambda.send(new DeleteAliasCommand({ FunctionName: 'fn', Name: 'gone' }));
  assert.equal(deleted.$metadata.httpStatusCode, 204, 'deleting a missing alias is no error, as on AWS');
});

test('function URL configs not found: "The resource you requested does not exist."', async () => {
  const words = 'The resource you requested does not exist.';
  await notFound(lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'fn' })), words);
  await notFound(lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'fn', AuthType: 'NONE' })), words);
  await notFound(lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'fn' })), words);
  await notFound(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'fn', Qualifier: 'gone', AuthType: 'NONE' })), 'Function does not exist');
  const raw = await t.request('GET', '/2021-10-31/functions/fn/url');
  assert.deepEqual(raw.json(), { Type: 'User', Message: words }, 'a resource not found carries Type and a capital Message');
});

test('conflicts in AWS words: a function, an alias or a URL config that exists already', async () => {
  await refused(lambda.send(new CreateFunctionCommand({ FunctionName: 'fn', Role: ROLE, Handler: 'handler.handler', Code: { ZipFile: zip } })),
    'ResourceConflictException', 'Function already exist: fn');
  await refused(lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: 'live', FunctionVersion: '2' })),
    'ResourceConflictException', `Alias already exists: ${ARN}:fn:live`);
  await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'fn', AuthType: 'AWS_IAM' }));
  await refused(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'fn', AuthType: 'AWS_IAM' })),
    'ResourceConflictException', `Failed to create function url config for [functionArn = ${ARN}:fn]. Error message:  FunctionUrlConfig exists for this Lambda function`);
  await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'fn' }));
});

test('a stale RevisionId is PreconditionFailedException in AWS words, for functions and aliases', async () => {
  const words = 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id';
  await refused(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Timeout: 5, RevisionId: 'stale' })), 'PreconditionFailedException', words);
  await refused(lambda.send(new PublishVersionCommand({ FunctionName: 'fn', RevisionId: 'stale' })), 'PreconditionFailedException', words);
  await refused(lambda.send(new UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', RevisionId: 'stale' })), 'PreconditionFailedException', words);
});

test('a Role that is not an IAM role ARN is a ValidationException naming AWS\'s pattern; nothing is created', async () => {
  await refused(lambda.send(new CreateFunctionCommand({ FunctionName: 'made', Role: 'my-role', Handler: 'handler.handler', Code: { ZipFile: zip } })), 'ValidationException',
    "1 validation error detected: Value 'my-role' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  await refused(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Role: 'arn:aws:iam::123:role/x' })), 'ValidationException',
    "1 validation error detected: Value 'arn:aws:iam::123:role/x' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
  await notFound(lambda.send(new GetFunctionCommand({ FunctionName: 'made' })), `Function not found: ${ARN}:made`);
});

test('alias and function URL requests that break the model are ValidationException, as on AWS', async () => {
  await refused(lambda.send(new CreateAliasCommand({ FunctionName: 'fn', Name: '123', FunctionVersion: '1' })), 'ValidationException',
    "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
  const url = await t.request('POST', '/2021-10-31/functions/fn/url?Qualifier=$LATEST', { AuthType: 'NONE' });
  assert.equal(url.headers['x-amzn-errortype'], 'ValidationException');
  assert.match(url.json().message, /^1 validation error detected: Value '\$LATEST' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: /);
  await refused(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'fn', AuthType: 'NONE', Cors: { MaxAge: 86401 } })), 'ValidationException',
    "1 validation error detected: Value '86401' at 'cors.maxAge' failed to satisfy constraint: Member must have value less than or equal to 86400");
  await refused(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'fn', AuthType: 'NONE', Cors: { AllowMethods: ['GET', 'DELETEME!'] } })), 'ValidationException',
    "1 validation error detected: Value 'DELETEME!' at 'cors.allowMethods.1' failed to satisfy constraint: Member must have length less than or equal to 6");
  const authType = await t.request('POST', '/2021-10-31/functions/fn/url', { AuthType: 'OPEN' });
  assert.equal(authType.headers['x-amzn-errortype'], 'ValidationException');
  assert.equal(authType.json().message, "1 validation error detected: Value 'OPEN' at 'authType' failed to satisfy constraint: Member must satisfy enum value set: [NONE, AWS_IAM]");
});

test('a zip over 50 MB is RequestEntityTooLargeException (413) on CreateFunction and UpdateFunctionCode, in AWS words', async () => {
  const big = new Uint8Array(50 * 1024 * 1024 + 1);
  const created = await refused(lambda.send(new CreateFunctionCommand({ FunctionName: 'huge', Role: ROLE, Handler: 'handler.handler', Code: { ZipFile: big } })),
    'RequestEntityTooLargeException', 'Request must be smaller than 69905067 bytes for the CreateFunction operation');
  assert.equal(created.$metadata?.httpStatusCode, 413);
  await refused(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn', ZipFile: big })),
    'RequestEntityTooLargeException', 'Request must be smaller than 69905067 bytes for the UpdateFunctionCode operation');
});

test('an invocation refused for the function\'s reserved concurrency of 0 is TooManyRequestsException "Rate Exceeded."', async () => {
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'fn', ReservedConcurrentExecutions: 0 }));
  try {
    const raw = await t.request('POST', '/2015-03-31/functions/fn/invocations', '{}');
    assert.equal(raw.statusCode, 429);
    assert.equal(raw.headers['x-amzn-errortype'], 'TooManyRequestsException');
    assert.equal(raw.json().message, 'Rate Exceeded.');
    assert.equal(typeof raw.json().Reason, 'string');
  } finally {
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'fn' }));
  }
});

test('InvalidParameterValueException in AWS words: runtimes, code that is not a zip, $LATEST deleted alone, a CodeSha256 that differs, a qualified concurrency, too much reserved', async () => {
  const invalid = (p: Promise<unknown>, message: string) => refused(p, 'InvalidParameterValueException', message);
  await invalid(lambda.send(new CreateFunctionCommand({ FunctionName: 'made', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'handler.handler', Code: { ZipFile: zip } })),
    "Value nodejs20.x at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [python3.11, nodejs22.x, nodejs24.x, python3.8, python3.9, python3.10, python3.12] or be a valid ARN");
  await invalid(lambda.send(new CreateFunctionCommand({ FunctionName: 'made', Role: ROLE, Handler: 'handler.handler', Code: { ZipFile: new TextEncoder().encode('not a zip') } })),
    'Could not unzip uploaded file. Please check your file, then try to upload again.');
  await invalid(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn', ZipFile: new TextEncoder().encode('not a zip') })),
    'Could not unzip uploaded file. Please check your file, then try to upload again.');
  const big = { BIG: 'x'.repeat(4090) };
  await invalid(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Environment: { Variables: big } })),
    `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${JSON.stringify(big)}`);
  await invalid(lambda.send(new DeleteFunctionCommand({ FunctionName: 'fn', Qualifier: '$LATEST' })), '$LATEST version cannot be deleted without deleting the function.');
  assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'fn' }))).Configuration?.FunctionName, 'fn', 'the function is still there');
  const current = (await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }))).CodeSha256;
  const other = Buffer.alloc(32, 7).toString('base64');
  await invalid(lambda.send(new PublishVersionCommand({ FunctionName: 'fn', CodeSha256: other })),
    `CodeSHA256 (${other}) is different from current CodeSHA256 in $LATEST (${current}). Please try again with the CodeSHA256 in $LATEST.`);
  await invalid(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'fn:live', ReservedConcurrentExecutions: 1 })),
    'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.');
  // the node runs 32 at once by default: reservations may take all of it, not more
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'fn', ReservedConcurrentExecutions: 32 }));
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'fn', ReservedConcurrentExecutions: 30 }));
  await t.deploy('other');
  await invalid(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'other', ReservedConcurrentExecutions: 3 })),
    "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [0].");
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'other', ReservedConcurrentExecutions: 2 }));
  await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'other' }));
  await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'fn' }));
});

test('the native API keeps its own words for the same errors', async () => {
  const res = await t.request('GET', '/v1/functions/nope');
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.type, 'FunctionNotFound');
  assert.equal(res.json().error.message, 'function "nope" does not exist');
});

test('every Lambda API route is named by its operation, so its errors find their words', async () => {
  const routes: [string, string][] = [];
  const app = await startTestApp({}, {
    onRoute: (r) => {
      for (const m of [r.method].flat()) if (/^\/20\d\d-\d\d-\d\d\//.test(r.url) && m !== 'HEAD') routes.push([m, r.url]);
    },
  });
  await app.close();
  assert.ok(routes.length >= 29, `only ${routes.length} Lambda routes seen`);
  assert.deepEqual(routes.filter(([m, url]) => operationOf(m, url) === undefined), []);
});
