// /v1/functions/{name}/aliases: list, read, create or move (PUT), delete.
import type { FastifyPluginAsync } from 'fastify';
import type { NativeServices } from '../deps.js';
import { needs } from '../gate.js';
import { aliasByName, functionByName, putAlias, type PutAliasBody } from './schemas.js';
import { aliasView } from './views.js';

type AliasParams = { Params: { name: string; alias: string } };

export function aliasRoutes({ registry }: Pick<NativeServices, 'registry'>): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { name: string } }>('/functions/:name/aliases', { config: needs('functions:read', 'path'), schema: functionByName }, async (req) => ({
      aliases: registry.aliases.list(req.params.name).map(aliasView),
    }));

    app.get<AliasParams>('/functions/:name/aliases/:alias', { config: needs('functions:read', 'path'), schema: aliasByName }, async (req) => ({
      alias: aliasView(registry.aliases.get(req.params.name, req.params.alias)),
    }));

    app.put<AliasParams & { Body: PutAliasBody }>('/functions/:name/aliases/:alias', { config: needs('functions:write', 'path', 'alias.put'), schema: putAlias }, async (req) => {
      const alias = registry.aliases.put(req.params.name, req.params.alias, { functionVersion: req.body.version, description: req.body.description }, 'set');
      return { alias: aliasView(alias) };
    });

    app.delete<AliasParams>('/functions/:name/aliases/:alias', { config: needs('functions:write', 'path', 'alias.delete'), schema: aliasByName }, async (req, reply) => {
      registry.aliases.get(req.params.name, req.params.alias);
      registry.aliases.delete(req.params.name, req.params.alias);
      return reply.status(204).send();
    });
  };
}
