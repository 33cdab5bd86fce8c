// GET /v1/pool: the node's sandboxes as the scheduler reports them (driver, admission,
// pre-warmed sandboxes, warm instances), and the asynchronous invocations per state;
// GET /v1/images: the images the docker drivers make sandboxes from.
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';
import { needs } from '../gate.js';

export function poolRoutes({ status, asyncInvocations }: Pick<NativeServices, 'status' | 'asyncInvocations'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/pool', { config: needs('node:read', 'node') }, async () => ({ ...(await status.pool()), async: asyncInvocations.counts() }));
    app.get('/images', { config: needs('node:read', 'node') }, async () => ({ driver: status.health().driver, images: await status.images() }));
  };
}
