// GET /v1/pool: the node's sandboxes as the scheduler reports them (driver, admission,
// pre-warmed sandboxes, warm instances); GET /v1/images: the images the docker drivers
// make sandboxes from.
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';
import { needs } from '../gate.js';

export function poolRoutes({ status }: Pick<NativeServices, 'status'>): FastifyPluginAsync {
  return async (app) => {
    app.get('/pool', { config: needs('node:read', 'node') }, async () => status.pool());
    app.get('/images', { config: needs('node:read', 'node') }, async () => ({ driver: status.health().driver, images: await status.images() }));
  };
}
