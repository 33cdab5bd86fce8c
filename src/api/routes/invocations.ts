// Invoking functions (POST /v1/functions/{name}/invocations), reading invocation
// records (GET /v1/invocations/{id}) and the pool (GET /v1/pool).
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../app.js';
import { SkyscaleError } from '../../errors.js';
import { MAX_SYNC_PAYLOAD_BYTES } from '../../model/limits.js';
import { rawBody } from './body.js';
import { eventBytes, tail } from '../payload.js';

export function invocationRoutes(deps: AppDeps): FastifyPluginAsync {
  const { invoker, recorder } = deps;
  return async (app) => {
    app.post<{ Params: { name: string }; Querystring: { version?: string } }>(
      '/functions/:name/invocations',
      { bodyLimit: MAX_SYNC_PAYLOAD_BYTES },
      async (req, reply) => {
        const event = eventBytes(rawBody(req.body));
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

    app.get<{ Params: { id: string } }>('/invocations/:id', async (req) => {
      const record = recorder.get(req.params.id);
      if (!record) throw new SkyscaleError('InvocationNotFound', `no invocation with id "${req.params.id}"`);
      return { invocation: record };
    });

    app.get('/pool', async () => deps.status.pool());
  };
}
