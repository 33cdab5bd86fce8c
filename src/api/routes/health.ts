// GET /healthz: 200 once the server can run invocations, with the driver in use.
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../app.js';

export function healthRoutes(deps: AppDeps): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', async () => deps.status.health());
  };
}
