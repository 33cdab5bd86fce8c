// Lambda API 2015-03-31: aliases (create, get, list, update, delete). An alias names
// one published version; weighted routing is not supported.
import type { FastifyInstance } from 'fastify';
import type { LambdaServices } from '../deps.js';
import { jsonObjectBody } from '../request-body.js';
import { unqualifiedName } from './function-name.js';
import { paginate } from './pagination.js';
import { aliasConfiguration, aliasRevision, checkRevision, invalid } from './shapes.js';

type Fn = { Params: { fn: string } };
type AliasReq = { Params: { fn: string; alias: string } };
type Paged = { Querystring: { Marker?: string; MaxItems?: string; FunctionVersion?: string } };

export function lambdaAliasRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
  app.post<Fn>('/functions/:fn/aliases', async (req, reply) => {
    const name = unqualifiedName(req.params.fn);
    const body = jsonObjectBody(req.body);
    refuseRouting(body.RoutingConfig);
    const a = registry.aliases.put(name, body.Name, { functionVersion: body.FunctionVersion, description: body.Description }, 'create');
    return reply.status(201).send(aliasConfiguration(a));
  });

  app.get<Fn & Paged>('/functions/:fn/aliases', async (req) => {
    const name = unqualifiedName(req.params.fn);
    const version = req.query.FunctionVersion;
    const items = registry.aliases.list(name, version ? Number(version) : undefined).map(aliasConfiguration);
    const page = paginate(items, req.query);
    return { Aliases: page.items, ...(page.next ? { NextMarker: page.next } : {}) };
  });

  app.get<AliasReq>('/functions/:fn/aliases/:alias', async (req) => aliasConfiguration(registry.aliases.get(unqualifiedName(req.params.fn), req.params.alias)));

  app.put<AliasReq>('/functions/:fn/aliases/:alias', async (req) => {
    const name = unqualifiedName(req.params.fn);
    const body = jsonObjectBody(req.body);
    refuseRouting(body.RoutingConfig);
    checkRevision(body.RevisionId, aliasRevision(registry.aliases.get(name, req.params.alias)));
    return aliasConfiguration(registry.aliases.put(name, req.params.alias, { functionVersion: body.FunctionVersion, description: body.Description }, 'update'));
  });

  app.delete<AliasReq>('/functions/:fn/aliases/:alias', async (req, reply) => {
    registry.aliases.delete(unqualifiedName(req.params.fn), req.params.alias);
    return reply.status(204).send();
  });
}

function refuseRouting(routing: unknown): void {
  const weights = (routing as { AdditionalVersionWeights?: Record<string, number> } | undefined)?.AdditionalVersionWeights;
  if (weights && Object.keys(weights).length) throw invalid('weighted aliases (RoutingConfig.AdditionalVersionWeights) are not supported');
}
