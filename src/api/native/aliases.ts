// /v1/functions/{name}/aliases: list, read, create or move (PUT), delete.
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';
import { jsonObjectBody } from '../request-body.js';
import { aliasView } from './views.js';

type AliasParams = { Params: { name: string; alias: string } };

export function aliasRoutes({ registry }: Pick<NativeServices, 'registry'>): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { name: string } }>('/functions/:name/aliases', async (req) => ({ aliases: registry.aliases.list(req.params.name).map(aliasView) }));

    app.get<AliasParams>('/functions/:name/aliases/:alias', async (req) => ({ alias: aliasView(registry.aliases.get(req.params.name, req.params.alias)) }));

    app.put<AliasParams>('/functions/:name/aliases/:alias', async (req) => {
      const body = jsonObjectBody(req.body);
      const alias = registry.aliases.put(req.params.name, req.params.alias, { functionVersion: body.version, description: body.description }, 'set');
      return { alias: aliasView(alias) };
    });

    app.delete<AliasParams>('/functions/:name/aliases/:alias', async (req, reply) => {
      registry.aliases.get(req.params.name, req.params.alias);
      registry.aliases.delete(req.params.name, req.params.alias);
      return reply.status(204).send();
    });
  };
}
