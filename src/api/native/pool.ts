// GET /v1/pool: the node's sandboxes as the scheduler reports them (driver, admission,
// pre-warmed sandboxes, warm instances).
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';

export function poolRoutes({ status }: Pick<NativeServices, 'status'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/pool', async () => status.pool());
  };
}
