// Serves the native API's OpenAPI description (contracts/openapi.yaml) as written.
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { repoPath } from '../../paths.js';

export function openapiRoutes(): FastifyPluginAsync {
  const document = readFileSync(repoPath('contracts/openapi.yaml'), 'utf8');
  return async (app) => {
    app.get('/v1/openapi.yaml', async (_req, reply) => reply.type('application/yaml').send(document));
  };
}
