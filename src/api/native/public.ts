// The routes that take no key: GET /healthz (200 once the server can run invocations:
// status, version and the driver's name, nothing of the host) and GET /v1/openapi.yaml (the native API's description,
// contracts/openapi.yaml, served as written).
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { repoPath } from '../../paths.js';
import type { NativeServices } from '../deps.js';
import { PUBLIC } from '../gate.js';

export function publicRoutes({ status }: Pick<NativeServices, 'status'>): FastifyPluginAsync {
  const contract = readFileSync(repoPath('contracts/openapi.yaml'), 'utf8');
  return async (app) => {
    app.get('/healthz', { config: PUBLIC }, async () => status.health());
    app.get('/v1/openapi.yaml', { config: PUBLIC }, async (_req, reply) => reply.type('application/yaml').send(contract));
  };
}
