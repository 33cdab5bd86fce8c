// Lambda API 2015-03-31: aliases (create, get, list, update, delete). An alias names
// one published version; weighted routing is not supported.
import type { FastifyInstance } from 'fastify';
import type { LambdaServices } from '../deps.js';
import { needs } from '../gate.js';
import { unqualifiedName } from './function-name.js';
import { paginate } from './pagination.js';
import { aliasByName, createAlias, listAliases, updateAlias, type CreateAliasBody, type PageQuery, type RoutingConfig, type UpdateAliasBody } from './schemas.js';
import { aliasConfiguration, aliasRevision, checkRevision, invalid } from './shapes.js';

type Fn = { Params: { FunctionName: string } };
type AliasReq = { Params: { FunctionName: string; Name: string } };

export function lambdaAliasRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
  app.post<Fn & { Body: CreateAliasBody }>('/functions/:FunctionName/aliases', { config: needs('functions:write', 'path', 'alias.create'), schema: createAlias }, async (req, reply) => {
    const name = unqualifiedName(req.params.FunctionName);
    const { Name, FunctionVersion, Description, RoutingConfig } = req.body;
    refuseRouting(RoutingConfig);
    const a = registry.aliases.put(name, Name, { functionVersion: FunctionVersion, description: Description }, 'create');
    return reply.status(201).send(aliasConfiguration(a));
  });

  app.get<Fn & { Querystring: PageQuery & { FunctionVersion?: string } }>('/functions/:FunctionName/aliases', { config: needs('functions:read', 'path'), schema: listAliases }, async (req) => {
    const name = unqualifiedName(req.params.FunctionName);
    const version = req.query.FunctionVersion;
    const items = registry.aliases.list(name, version ? Number(version) : undefined).map(aliasConfiguration);
    const page = paginate(items, req.query);
    return { Aliases: page.items, ...(page.next ? { NextMarker: page.next } : {}) };
  });

  app.get<AliasReq>('/functions/:FunctionName/aliases/:Name', { config: needs('functions:read', 'path'), schema: aliasByName }, async (req) =>
    aliasConfiguration(registry.aliases.get(unqualifiedName(req.params.FunctionName), req.params.Name)));

  app.put<AliasReq & { Body: UpdateAliasBody }>('/functions/:FunctionName/aliases/:Name', { config: needs('functions:write', 'path', 'alias.update'), schema: updateAlias }, async (req) => {
    const name = unqualifiedName(req.params.FunctionName);
    const { FunctionVersion, Description, RoutingConfig, RevisionId } = req.body;
    refuseRouting(RoutingConfig);
    checkRevision(RevisionId, aliasRevision(registry.aliases.get(name, req.params.Name)));
    return aliasConfiguration(registry.aliases.put(name, req.params.Name, { functionVersion: FunctionVersion, description: Description }, 'update'));
  });

  app.delete<AliasReq>('/functions/:FunctionName/aliases/:Name', { config: needs('functions:write', 'path', 'alias.delete'), schema: aliasByName }, async (req, reply) => {
    registry.aliases.delete(unqualifiedName(req.params.FunctionName), req.params.Name);
    return reply.status(204).send();
  });
}

function refuseRouting(routing: RoutingConfig | undefined): void {
  const weights = routing?.AdditionalVersionWeights;
  if (weights && Object.keys(weights).length) throw invalid('weighted aliases (RoutingConfig.AdditionalVersionWeights) are not supported');
}
