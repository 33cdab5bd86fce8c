// GET /v1/pool: the node's sandboxes as the scheduler reports them (driver, admission,
// pre-warmed sandboxes, warm instances), and the asynchronous invocations per state.
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';
import { needs } from '../gate.js';

export function poolRoutes({ status, asyncInvocations }: Pick<NativeServices, 'status' | 'asyncInvocations'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/pool', { config: needs('node:read', 'node') }, async () => ({ ...(await status.pool()), async: asyncInvocations.counts() }));
  };
}
