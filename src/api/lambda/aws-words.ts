// The Lambda API answers errors in AWS's words: tools, scripts and tests written
// against AWS match on them ("Function not found: arn:aws:lambda:…:function:name").
// The registry words its errors for Skyscale's own surfaces and names what they are
// about (SkyscaleError.subject); this rewords them for the Lambda operation that was
// called, keeping the type (so the status and exception name stay those of the error
// registry). Errors AWS has no words for keep Skyscale's.
import type { FastifyError, FastifyRequest } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { functionArn, LATEST } from '../../model/names.js';

/** The Lambda operation of each route, by method and path pattern (the date prefix included). */
const OPERATIONS: Record<string, string> = {
  'POST /2015-03-31/functions': 'CreateFunction',
  'GET /2015-03-31/functions': 'ListFunctions',
  'GET /2015-03-31/functions/': 'ListFunctions',
  'GET /2015-03-31/functions/:FunctionName': 'GetFunction',
  'DELETE /2015-03-31/functions/:FunctionName': 'DeleteFunction',
  'GET /2015-03-31/functions/:FunctionName/configuration': 'GetFunctionConfiguration',
  'PUT /2015-03-31/functions/:FunctionName/configuration': 'UpdateFunctionConfiguration',
  'PUT /2015-03-31/functions/:FunctionName/code': 'UpdateFunctionCode',
  'POST /2015-03-31/functions/:FunctionName/versions': 'PublishVersion',
  'GET /2015-03-31/functions/:FunctionName/versions': 'ListVersionsByFunction',
  'POST /2015-03-31/functions/:FunctionName/invocations': 'Invoke',
  'POST /2015-03-31/functions/:FunctionName/aliases': 'CreateAlias',
  'GET /2015-03-31/functions/:FunctionName/aliases': 'ListAliases',
  'GET /2015-03-31/functions/:FunctionName/aliases/:Name': 'GetAlias',
  'PUT /2015-03-31/functions/:FunctionName/aliases/:Name': 'UpdateAlias',
  'DELETE /2015-03-31/functions/:FunctionName/aliases/:Name': 'DeleteAlias',
  'PUT /2017-10-31/functions/:FunctionName/concurrency': 'PutFunctionConcurrency',
  'DELETE /2017-10-31/functions/:FunctionName/concurrency': 'DeleteFunctionConcurrency',
  'GET /2019-09-30/functions/:FunctionName/concurrency': 'GetFunctionConcurrency',
  'PUT /2019-09-25/functions/:FunctionName/event-invoke-config': 'PutFunctionEventInvokeConfig',
  'POST /2019-09-25/functions/:FunctionName/event-invoke-config': 'UpdateFunctionEventInvokeConfig',
  'GET /2019-09-25/functions/:FunctionName/event-invoke-config': 'GetFunctionEventInvokeConfig',
  'DELETE /2019-09-25/functions/:FunctionName/event-invoke-config': 'DeleteFunctionEventInvokeConfig',
  'GET /2019-09-25/functions/:FunctionName/event-invoke-config/list': 'ListFunctionEventInvokeConfigs',
  'POST /2021-10-31/functions/:FunctionName/url': 'CreateFunctionUrlConfig',
  'GET /2021-10-31/functions/:FunctionName/url': 'GetFunctionUrlConfig',
  'PUT /2021-10-31/functions/:FunctionName/url': 'UpdateFunctionUrlConfig',
  'DELETE /2021-10-31/functions/:FunctionName/url': 'DeleteFunctionUrlConfig',
  'GET /2021-10-31/functions/:FunctionName/urls': 'ListFunctionUrlConfigs',
  'POST /2017-03-31/tags/:Resource': 'TagResource',
  'DELETE /2017-03-31/tags/:Resource': 'UntagResource',
  'GET /2017-03-31/tags/:Resource': 'ListTags',
  'GET /2016-08-19/account-settings': 'GetAccountSettings',
  'GET /2016-08-19/account-settings/': 'GetAccountSettings',
};

/** The Lambda operation of a route (undefined: none of the table's). */
export function operationOf(method: string, url: string): string | undefined {
  return OPERATIONS[`${method} ${url}`];
}

/** The Lambda operation a request was routed to (undefined: no route). */
function lambdaOperation(req: FastifyRequest): string | undefined {
  const url = req.routeOptions?.url;
  return url === undefined ? undefined : operationOf(req.method, url);
}

/** AWS names some operations otherwise in its size errors. */
const SIZE_OPERATION_NAMES: Record<string, string> = { Invoke: 'InvokeFunction' };

/** `name:qualifier` as the path and ?Qualifier= of a function operation name it (undefined when unqualified or unreadable). */
function requestQualifier(req: FastifyRequest): string | undefined {
  const params = req.params as { FunctionName?: unknown; Resource?: unknown } | undefined;
  const query = req.query as { Qualifier?: unknown } | undefined;
  const fromQuery = typeof query?.Qualifier === 'string' && query.Qualifier !== '' ? query.Qualifier : undefined;
  const raw = typeof params?.FunctionName === 'string' ? params.FunctionName : typeof params?.Resource === 'string' ? params.Resource : '';
  const parts = raw.split(':');
  const qualifierInName = parts[0] === 'arn' ? parts[7] : parts[1] === 'function' ? parts[3] : parts[1];
  return qualifierInName || fromQuery;
}

const REVISION_MISMATCH = 'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id';

/**
 * The error as the Lambda API answers it: AWS's words where AWS has some for it. Any
 * other fault is given back as it came, for the error reply to map and log whole.
 */
export function inAwsWords(err: unknown, req: FastifyRequest): unknown {
  const operation = lambdaOperation(req) ?? '';
  if ((err as Partial<FastifyError> | null)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && operation) {
    const limit = req.routeOptions.bodyLimit ?? 0;
    return new SkyscaleError('RequestBodyTooLarge', `Request must be smaller than ${limit} bytes for the ${SIZE_OPERATION_NAMES[operation] ?? operation} operation`);
  }
  if (!(err instanceof SkyscaleError)) return err;
  const words = awsMessage(err, operation, req);
  return words === undefined || words === err.message ? err : new SkyscaleError(err.type, words, { details: err.details, hint: err.hint, subject: err.subject });
}

/** Function URL config operations word a missing function (or alias) in two ways. */
const URL_READS = new Set(['GetFunctionUrlConfig', 'DeleteFunctionUrlConfig']);
const URL_WRITES = new Set(['CreateFunctionUrlConfig', 'UpdateFunctionUrlConfig', 'ListFunctionUrlConfigs']);
const RESOURCE_MISSING = 'The resource you requested does not exist.';

/**
 * The qualifier a missing function is named with: the version or alias that was
 * missing; else the one asked for (not by the operations that name the function
 * alone: DeleteFunction, and those of aliases); else $LATEST where AWS adds it
 * (Invoke, PutFunctionConcurrency).
 */
function missingQualifier(subjectQualifier: string | undefined, operation: string, req: FastifyRequest): string | undefined {
  if (subjectQualifier !== undefined) return subjectQualifier;
  const unqualified = operation === 'DeleteFunction' || /Alias(es)?$/.test(operation);
  return (unqualified ? undefined : requestQualifier(req)) ?? (operation === 'Invoke' || operation === 'PutFunctionConcurrency' ? LATEST : undefined);
}

function awsMessage(error: SkyscaleError, operation: string, req: FastifyRequest): string | undefined {
  const subject = error.subject;
  if (error.type === 'FunctionNotFound' || error.type === 'AliasNotFound' || error.type === 'FunctionUrlNotFound') {
    if (URL_READS.has(operation)) return RESOURCE_MISSING;
    if (URL_WRITES.has(operation)) return error.type === 'FunctionUrlNotFound' ? RESOURCE_MISSING : 'Function does not exist';
  }
  switch (error.type) {
    case 'FunctionNotFound':
      return subject ? `Function not found: ${functionArn(subject.function, missingQualifier(subject.qualifier, operation, req))}` : undefined;
    case 'AliasNotFound':
      if (!subject) return undefined;
      if (operation === 'GetAlias') return `Cannot find alias arn: ${functionArn(subject.function, subject.qualifier)}`;
      if (operation === 'UpdateAlias') return `Alias not found: ${functionArn(subject.function, subject.qualifier)}`;
      return `Function not found: ${functionArn(subject.function, subject.qualifier)}`;
    case 'FunctionUrlNotFound':
      return RESOURCE_MISSING;
    case 'FunctionExists':
      return subject ? `Function already exist: ${subject.function}` : undefined;
    case 'AliasExists':
      return subject ? `Alias already exists: ${functionArn(subject.function, subject.qualifier)}` : undefined;
    case 'FunctionUrlExists':
      return subject ? `Failed to create function url config for [functionArn = ${functionArn(subject.function, subject.qualifier)}]. Error message:  FunctionUrlConfig exists for this Lambda function` : undefined;
    case 'RevisionMismatch':
      return REVISION_MISMATCH;
    case 'TooManyRequests':
      return 'Rate Exceeded.';
    default:
      return undefined;
  }
}
