// Invoking a function (POST /v1/functions/{name}/invocations; with ?async=true the
// event is committed to the durable queue and answered 202 with its request id), one
// invocation (GET /v1/invocations/{id}: a record, or an asynchronous invocation with its
// state and attempts) and a function's invocations with their logs, newest
// first, in pages streamed as they are read (GET /v1/functions/{name}/logs).
import type { FastifyPluginAsync } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../model/limits.js';
import type { NativeServices } from '../deps.js';
import { needs, requireCallerScope } from '../gate.js';
import { eventBytes, tail } from '../invocation-payload.js';
import { rawBody } from '../request-body.js';
import { invocationById, invoke, logs } from './schemas.js';
import { logPageStream, PageGate, pageStart } from './log-pages.js';
import { asyncView } from './views.js';

export function invocationRoutes({ invoker, recorder, registry, asyncInvocations }: Pick<NativeServices, 'invoker' | 'recorder' | 'registry' | 'asyncInvocations'>): FastifyPluginAsync {
  const pages = new PageGate();
  return async (app) => {
    app.post<{ Params: { name: string }; Querystring: { version?: string; async?: boolean } }>(
      '/functions/:name/invocations',
      // the body is the event, passed on as the bytes that came (checked to be JSON)
      { config: needs('functions:invoke', 'path'), bodyLimit: MAX_SYNC_PAYLOAD_BYTES, schema: invoke },
      async (req, reply) => {
        const event = eventBytes(rawBody(req.body));
        if (req.query.async) {
          const requestId = await asyncInvocations.accept(req.params.name, req.query.version, event);
          return reply.status(202).header('x-skyscale-request-id', requestId).send({ requestId, state: 'queued' });
        }
        const outcome = await invoker.invoke(req.params.name, req.query.version, event);
        void reply
          .header('x-skyscale-request-id', outcome.requestId)
          .header('x-skyscale-executed-version', String(outcome.version))
          .header('x-skyscale-cold-start', String(outcome.start !== 'warm'))
          .header('x-skyscale-start', outcome.start)
          .header('x-skyscale-status', outcome.status);
        if (outcome.durationMs !== null) void reply.header('x-skyscale-duration-ms', outcome.durationMs.toFixed(3));
        if (outcome.initMs !== null) void reply.header('x-skyscale-init-ms', outcome.initMs.toFixed(3));
        if (outcome.functionError) void reply.header('x-skyscale-function-error', outcome.functionError);
        if (String(req.headers['x-skyscale-log-type'] ?? '').toLowerCase() === 'tail') {
          void reply.header('x-skyscale-log-result', Buffer.from(tail(outcome.log)).toString('base64'));
        }
        return reply.type('application/json').send(outcome.payload);
      },
    );

    app.get<{ Params: { id: string } }>('/invocations/:id', { config: needs('invocations:read', 'record'), schema: invocationById }, async (req) => {
      const queued = asyncInvocations.get(req.params.id);
      if (queued) {
        requireCallerScope(req, queued.event.functionName);
        return { async: asyncView(queued) };
      }
      const record = recorder.get(req.params.id);
      if (!record) throw new SkyscaleError('InvocationNotFound', `no invocation with id "${req.params.id}"`);
      requireCallerScope(req, record.functionName);
      return { invocation: record };
    });

    app.get<{ Params: { name: string }; Querystring: { limit?: number; cursor?: string; before?: string } }>('/functions/:name/logs', { config: needs('functions:read', 'path'), schema: logs }, async (req, reply) => {
      const { name } = req.params;
      registry.get(name);
      const from = pageStart(req.query);
      // the slot is held until the page is sent or the client has gone, even while it waits for one
      let release = () => {};
      let gone = false;
      reply.raw.once('close', () => { gone = true; release(); });
      release = await pages.enter();
      if (gone) release();
      return reply.type('application/json').send(logPageStream((after, count) => recorder.page(name, after, count), from, req.query.limit ?? 20));
    });
  };
}
