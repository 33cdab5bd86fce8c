// The Lambda API's route schemas hold the AWS API model's constraints: a request that
// breaks one is a ValidationException worded as AWS words it (body {message} only), a
// body member of the wrong JSON type an InvalidRequestContentException, before the
// route runs; and only once the signature or key was checked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startTestApp, type TestApp } from '../../../test/fakes/app.js';
import { lambdaClient } from '../../../test/fakes/lambda-client.js';
import { zipFiles } from '../../../test/fakes/zip.js';

let t: TestApp;
let lambda: LambdaClient;
let zip: string;
before(async () => {
  t = await startTestApp();
  lambda = lambdaClient(t.app);
  await t.deploy('fn');
  zip = (await zipFiles({ 'h.py': 'def handler(e, c):\n    return 1\n' })).toString('base64');
});
after(async () => {
  lambda?.destroy();
  await t?.close();
});

const ROLE = 'arn:aws:iam::123456789012:role/x';
const create = (body: Record<string, unknown>) => t.request('POST', '/2015-03-31/functions', { FunctionName: 'made', Role: ROLE, Handler: 'h.handler', Code: { ZipFile: zip }, ...body });

function validationException(res: { statusCode: number; headers: Record<string, unknown>; json(): any }, message: string | RegExp): void {
  assert.equal(res.statusCode, 400);
  assert.equal(res.headers['x-amzn-errortype'], 'ValidationException');
  assert.deepEqual(Object.keys(res.json()), ['message'], 'a ValidationException carries its message alone');
  if (typeof message === 'string') assert.equal(res.json().message, message);
  else assert.match(res.json().message, message);
}

test('CreateFunction: a member outside its range, a missing one and a bad pattern are ValidationException, all listed', async () => {
  validationException(await create({ MemorySize: 64 }),
    "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128");
  validationException(await create({ Role: undefined, Timeout: 0 }),
    /^2 validation errors detected: Value null at 'role' failed to satisfy constraint: Member must not be null; Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1$/);
  validationException(await create({ Role: 'r' }), /^1 validation error detected: Value 'r' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: /);
  validationException(await create({ FunctionName: 'no spaces' }), /Value 'no spaces' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern/);
  validationException(await create({ Description: 'x'.repeat(257) }), /at 'description' failed to satisfy constraint: Member must have length less than or equal to 256/);
  assert.equal((await t.request('GET', '/2015-03-31/functions/made')).statusCode, 404, 'nothing was created');
});

test('a body member of the wrong JSON type, or a body that is not JSON, is InvalidRequestContentException', async () => {
  const wrongType = await create({ MemorySize: '256' });
  assert.equal(wrongType.statusCode, 400);
  assert.equal(wrongType.headers['x-amzn-errortype'], 'InvalidRequestContentException');
  assert.equal(wrongType.json().message, 'Could not parse request body into json: the value of MemorySize is not an integer');
  const notJson = await t.request('POST', '/2015-03-31/functions', '{"FunctionName": ', { 'content-type': 'application/json' });
  assert.equal(notJson.headers['x-amzn-errortype'], 'InvalidRequestContentException');
  assert.match(notJson.json().message, /^Could not parse request body into json: /);
});

test('the SDK gets ValidationException for what the model constrains and InvalidParameterValueException for what Skyscale does not support', async () => {
  const code = { ZipFile: Buffer.from(zip, 'base64') };
  await assert.rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'made', Role: ROLE, Handler: 'h.handler', MemorySize: 64, Code: code })), { name: 'ValidationException' });
  await assert.rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'made', Role: ROLE, Handler: 'h.handler', Runtime: 'nodejs20.x', Code: code })), { name: 'InvalidParameterValueException' });
  await assert.rejects(lambda.send(new CreateFunctionCommand({ FunctionName: 'made', Role: ROLE, Handler: 'h.handler', Timeout: 901, Code: code })), { name: 'InvalidParameterValueException' });
});

test('path, query and header parameters are checked: function and alias names, qualifiers, MaxItems, the invocation type', async () => {
  validationException(await t.request('GET', '/2015-03-31/functions/bad%20name'), /Value 'bad name' at 'functionName'/);
  validationException(await t.request('GET', '/2015-03-31/functions/fn/aliases/123'), /Value '123' at 'name'/);
  validationException(await t.request('POST', '/2015-03-31/functions/fn/aliases', { Name: 'live', FunctionVersion: 'latest' }), /Value 'latest' at 'functionVersion'/);
  validationException(await t.request('GET', '/2015-03-31/functions?MaxItems=0'), /Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1/);
  validationException(await t.request('GET', '/2015-03-31/functions?MaxItems=lots'), /Value 'lots' at 'maxItems' failed to satisfy constraint: Member must be an integer/);
  validationException(await t.request('GET', '/2015-03-31/functions?FunctionVersion=SOME'), /at 'functionVersion' failed to satisfy constraint: Member must satisfy enum value set: \[ALL\]/);
  validationException(await t.request('GET', '/2015-03-31/functions/fn?Qualifier=a%20b'), /at 'qualifier'/);
  validationException(await t.request('POST', '/2015-03-31/functions/fn/invocations', '{}', { 'x-amz-invocation-type': 'Later' }),
    /Value 'Later' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: \[RequestResponse, Event, DryRun\]/);
  validationException(await t.request('PUT', '/2017-10-31/functions/fn/concurrency', { ReservedConcurrentExecutions: -1 }), /at 'reservedConcurrentExecutions'/);
  validationException(await t.request('GET', '/2021-10-31/functions/fn/url?Qualifier=$LATEST'), /at 'qualifier'/);
  assert.equal(t.services.recorder.recentForFunction('fn', 10).length, 0, 'nothing ran');
});

test('the signature or key is checked before the request is parsed or validated', async () => {
  const res = await t.app.inject({ method: 'POST', url: '/2015-03-31/functions', headers: { 'content-type': 'application/json' }, payload: '{"MemorySize": "x"' });
  assert.equal(res.statusCode, 401);
  assert.equal(res.headers['x-amzn-errortype'], 'UnrecognizedClientException');
});
