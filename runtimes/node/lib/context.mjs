// The handler's `context` argument, with the members of Lambda's Node.js context object.

/** The environment-derived members, read once after init. */
export function staticContextFields(env = process.env) {
  return {
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? '',
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? '',
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
    invokedFunctionArn: env.SKYSCALE_INVOKED_FUNCTION_ARN ?? '',
  };
}

function parseJson(value) {
  if (!value) return undefined;
  try {
    const parsed = JSON.parse(value);
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One invocation's context. `callback` is the invocation's completion callback; the
 * legacy succeed/fail/done call it.
 */
export function makeContext(next, fields, callback) {
  const deadlineMs = Number.isFinite(next.deadlineMs) && next.deadlineMs > 0 ? next.deadlineMs : Date.now() + 3000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fields.functionName,
    functionVersion: fields.functionVersion,
    memoryLimitInMB: fields.memoryLimitInMB,
    invokedFunctionArn: next.invokedFunctionArn || fields.invokedFunctionArn,
    awsRequestId: next.requestId,
    logGroupName: fields.logGroupName,
    logStreamName: fields.logStreamName,
    identity: undefined,
    clientContext: parseJson(next.clientContext),
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    succeed: (result) => callback(null, result),
    fail: (err) => callback(err ?? 'handled'),
    done: (err, result) => callback(err, result),
  };
}
