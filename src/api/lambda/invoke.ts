// Lambda Invoke: POST /2015-03-31/functions/{FunctionName}/invocations. RequestResponse
// runs the function and answers its result (a function error is a 200 with
// X-Amz-Function-Error); Event commits the event to the durable queue and answers 202
// once it is committed (the queue runs it, with retries); DryRun checks and answers 204.
import type { FastifyInstance } from 'fastify';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../model/limits.js';
import { LATEST } from '../../model/names.js';
import type { LambdaServices } from '../deps.js';
import { needs } from '../gate.js';
import { eventBytes, tail } from '../invocation-payload.js';
import { rawBody } from '../request-body.js';
import { parseFunctionName } from './function-name.js';
import { invoke } from './schemas.js';


type InvokeReq = { Params: { FunctionName: string }; Querystring: { Qualifier?: string } };

export function lambdaInvokeRoutes(app: FastifyInstance, { invoker, registry, asyncInvocations }: Pick<LambdaServices, 'invoker' | 'registry' | 'asyncInvocations'>): void {
  // the body is the event, passed on as the bytes that came (checked to be JSON)
  app.post<InvokeReq>('/functions/:FunctionName/invocations', { config: needs('functions:invoke', 'path'), bodyLimit: MAX_SYNC_PAYLOAD_BYTES, schema: invoke }, async (req, reply) => {
    const { name, qualifier } = parseFunctionName(req.params.FunctionName, req.query.Qualifier);
    const type = header(req.headers['x-amz-invocation-type']) ?? 'RequestResponse';
    const event = eventBytes(rawBody(req.body), 'Could not parse request body into json');
    const executed = (v: number) => (qualifier === undefined || qualifier === LATEST ? LATEST : String(v));

    if (type !== 'RequestResponse') {
      const version = registry.resolve(name, qualifier);
      void reply.header('x-amz-executed-version', executed(version.version));
      if (type === 'DryRun') return reply.status(204).send();
      const requestId = await asyncInvocations.accept(name, qualifier, event);
      return reply.status(202).header('x-amzn-requestid', requestId).send();
    }

    const outcome = await invoker.invoke(name, qualifier, event);
    void reply.header('x-amzn-requestid', outcome.requestId).header('x-amz-executed-version', executed(outcome.version));
    if (outcome.functionError) void reply.header('x-amz-function-error', outcome.functionError);
    if (header(req.headers['x-amz-log-type']) === 'Tail') void reply.header('x-amz-log-result', Buffer.from(tail(outcome.log)).toString('base64'));
    return reply.status(200).type('application/json').send(outcome.payload);
  });
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
