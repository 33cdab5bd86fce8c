// Errors as the three surfaces answer them. toSkyscaleError maps whatever a route or
// Fastify threw (a SkyscaleError, a body over the limit, a media type refused) onto the
// one error registry; each renderer logs a system fault once and writes its surface's
// shape: native `{error: {type, message, hint?, details?}}` with x-skyscale-error-type;
// Lambda REST-JSON (the status, x-amzn-ErrorType, `{Type, message}` — `{message}` for a
// ValidationException, `{Type, Message}` for a ResourceNotFoundException — x-amzn-RequestId);
// function URLs `{Message}` with x-amzn-ErrorType, as Lambda's URLs answer. No answer
// names a file of the host (model/host-paths.ts).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SkyscaleError } from '../errors.js';
import { withoutHostPaths } from '../model/host-paths.js';

export function toSkyscaleError(err: unknown): SkyscaleError {
  if (err instanceof SkyscaleError) return err;
  const e: Error & Partial<FastifyError> = err instanceof Error ? err : new Error(String(err));
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new SkyscaleError('PayloadTooLarge', 'the request body is over the size limit');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new SkyscaleError('UnsupportedMediaType', e.message);
  if (e.code === 'FST_ERR_VALIDATION') return new SkyscaleError('ValidationError', e.message);
  if (e.statusCode !== undefined && e.statusCode < 500) return new SkyscaleError('ValidationError', e.message);
  // the fault's own words stay in the server's log: they may name files of the host
  return new SkyscaleError('InternalError', 'internal error: the server log has the details', { cause: err });
}

/**
 * Maps the error and logs it when it is ours to fix (a system fault), not the caller's;
 * a system fault's message is answered without the host paths it may carry.
 */
function reported(err: unknown, req: FastifyRequest): SkyscaleError {
  const error = toSkyscaleError(err);
  if (error.kind !== 'system') return error;
  req.log.error({ err }, error.message);
  const message = withoutHostPaths(error.message);
  return message === error.message ? error : new SkyscaleError(error.type, message, { details: error.details, hint: error.hint });
}

/** Seconds a throttled caller should wait: what the limit said, else 1. */
function retryAfter(error: SkyscaleError): string | null {
  if (error.status !== 429) return null;
  const seconds = error.details?.retryAfterSeconds;
  return String(typeof seconds === 'number' ? seconds : 1);
}

export function sendNativeError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = reported(err, req);
  const wait = retryAfter(error);
  if (wait) void reply.header('retry-after', wait);
  return reply.status(error.status).header('x-skyscale-error-type', error.type).send({ error: error.toJSON() });
}

export function sendLambdaError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = reported(err, req);
  const wait = retryAfter(error);
  if (wait) void reply.header('retry-after', wait);
  const reason = typeof error.details?.reason === 'string' ? error.details.reason : 'ConcurrentInvocationLimitExceeded';
  return reply.status(error.status).header('x-amzn-errortype', error.lambdaName).header('x-amzn-requestid', req.id).type('application/json').send({
    // Lambda's ValidationException carries the message alone
    ...(error.lambdaName === 'ValidationException' ? {} : { Type: error.kind === 'user' ? 'User' : 'Service' }),
    // and its ResourceNotFoundException a capital Message
    ...(error.lambdaName === 'ResourceNotFoundException' ? { Message: error.message } : { message: error.message }),
    ...(wait ? { Reason: reason } : {}),
  });
}

export function sendFunctionUrlError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = reported(err, req);
  const wait = retryAfter(error);
  if (wait) void reply.header('retry-after', wait);
  return reply.status(error.status).header('x-amzn-errortype', error.lambdaName).type('application/json').send({ Message: error.message });
}
