// Lambda API 2015-03-31: functions (create, get, list, update code and configuration,
// delete), versions (publish, list) and aliases. Operations map onto the registry;
// $LATEST is the snapshot a function runs by default (see docs/DESIGN.md, "Versions").
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import type { Registry } from '../../registry/registry.js';
import type { AppDeps } from '../app.js';
import { jsonObjectBody } from '../routes/body.js';
import { ZIP_LIMIT_BYTES } from '../../model/limits.js';
import { LATEST } from '../../model/names.js';
import {
  aliasConfiguration, aliasRevision, functionConfiguration, invalid, latestRevision, parseFunctionName, settingsFromLambda, zipFromLambda,
} from './shapes.js';

/** a 50 MB zip grows by a third in base64, plus the JSON around it */
const CODE_BODY_LIMIT = Math.ceil(ZIP_LIMIT_BYTES * 1.4);
const DEFAULT_PAGE = 50;

type Fn = { Params: { fn: string }; Querystring: { Qualifier?: string } };
type Paged = { Querystring: { Marker?: string; MaxItems?: string; FunctionVersion?: string } };

export function lambdaFunctionRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { registry } = deps;

  app.post('/functions', { bodyLimit: CODE_BODY_LIMIT }, async (req, reply) => {
    const body = jsonObjectBody(req.body);
    if (typeof body.FunctionName !== 'string') throw invalid('FunctionName is required');
    const { name, qualifier } = parseFunctionName(body.FunctionName);
    if (qualifier !== undefined) throw invalid('FunctionName may not carry a qualifier when creating a function');
    const zip = zipFromLambda(body.Code, ZIP_LIMIT_BYTES);
    const v = await registry.createWithCode(name, settingsFromLambda(body), zip, body.Publish === true);
    req.log.info({ function: name, version: v.version }, 'created through the Lambda API');
    return reply.status(201).send(functionConfiguration(registry.get(name), v, body.Publish === true ? 'version' : 'latest'));
  });

  const list = async (req: FastifyRequest<Paged>) => {
    const all = req.query.FunctionVersion === 'ALL';
    if (req.query.FunctionVersion !== undefined && !all) throw invalid('FunctionVersion must be ALL');
    const items = registry.list().flatMap((fn) => {
      const latest = functionConfiguration(fn, registry.latest(fn.name).snapshot, 'latest');
      return all ? [latest, ...registry.versions(fn.name).map((v) => functionConfiguration(fn, v, 'version'))] : [latest];
    });
    const page = paginate(items, req.query);
    return { Functions: page.items, ...(page.next ? { NextMarker: page.next } : {}) };
  };
  app.get<Paged>('/functions', list);
  app.get<Paged>('/functions/', list);

  app.get<Fn>('/functions/:fn', async (req) => {
    const { name, qualifier } = parseFunctionName(req.params.fn, req.query.Qualifier);
    const fn = registry.get(name);
    return {
      Configuration: configurationFor(registry, name, qualifier),
      Code: { RepositoryType: 'S3' },
      ...(fn.reservedConcurrency !== null ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } } : {}),
    };
  });

  app.get<Fn>('/functions/:fn/configuration', async (req) => {
    const { name, qualifier } = parseFunctionName(req.params.fn, req.query.Qualifier);
    return configurationFor(registry, name, qualifier);
  });

  app.put<Fn>('/functions/:fn/configuration', async (req) => {
    const name = unqualified(req.params.fn);
    const body = jsonObjectBody(req.body);
    checkRevision(body.RevisionId, latestRevision(registry.get(name)));
    const fn = registry.reconfigure(name, settingsFromLambda(body));
    return functionConfiguration(fn, registry.latest(name).snapshot, 'latest');
  });

  app.put<Fn>('/functions/:fn/code', { bodyLimit: CODE_BODY_LIMIT }, async (req) => {
    const name = unqualified(req.params.fn);
    const body = jsonObjectBody(req.body);
    checkRevision(body.RevisionId, latestRevision(registry.get(name)));
    const publish = body.Publish === true;
    const v = await registry.deploy(name, zipFromLambda(body, ZIP_LIMIT_BYTES), { publish, dryRun: body.DryRun === true });
    return functionConfiguration(registry.get(name), v, publish && body.DryRun !== true ? 'version' : 'latest');
  });

  app.delete<Fn>('/functions/:fn', async (req, reply) => {
    const { name, qualifier } = parseFunctionName(req.params.fn, req.query.Qualifier);
    if (qualifier === undefined || qualifier === LATEST) registry.delete(name);
    else if (/^[1-9][0-9]*$/.test(qualifier)) registry.deleteVersion(name, Number(qualifier));
    else throw invalid('to delete an alias use DeleteAlias; DeleteFunction takes a version number as Qualifier');
    return reply.status(204).send();
  });

  app.post<Fn>('/functions/:fn/versions', async (req, reply) => {
    const name = unqualified(req.params.fn);
    const body = jsonObjectBody(req.body);
    const { snapshot } = registry.latest(name);
    checkRevision(body.RevisionId, latestRevision(registry.get(name)));
    if (typeof body.CodeSha256 === 'string' && snapshot && body.CodeSha256 !== Buffer.from(snapshot.codeSha256, 'hex').toString('base64')) {
      throw invalid(`CodeSha256 ${body.CodeSha256} does not match the code of $LATEST`);
    }
    const v = registry.publish(name);
    return reply.status(201).send(functionConfiguration(registry.get(name), v, 'version'));
  });

  app.get<Fn & Paged>('/functions/:fn/versions', async (req) => {
    const name = unqualified(req.params.fn);
    const { fn, snapshot } = registry.latest(name);
    const items = [functionConfiguration(fn, snapshot, 'latest'), ...registry.versions(name).map((v) => functionConfiguration(fn, v, 'version'))];
    const page = paginate(items, req.query);
    return { Versions: page.items, ...(page.next ? { NextMarker: page.next } : {}) };
  });

  type AliasReq = { Params: { fn: string; alias: string } };
  app.post<Fn>('/functions/:fn/aliases', async (req, reply) => {
    const name = unqualified(req.params.fn);
    const body = jsonObjectBody(req.body);
    refuseRouting(body.RoutingConfig);
    const a = registry.aliases.put(name, body.Name, { functionVersion: body.FunctionVersion, description: body.Description }, 'create');
    return reply.status(201).send(aliasConfiguration(a));
  });

  app.get<Fn & Paged>('/functions/:fn/aliases', async (req) => {
    const name = unqualified(req.params.fn);
    const version = (req.query as { FunctionVersion?: string }).FunctionVersion;
    const items = registry.aliases.list(name, version ? Number(version) : undefined).map(aliasConfiguration);
    const page = paginate(items, req.query);
    return { Aliases: page.items, ...(page.next ? { NextMarker: page.next } : {}) };
  });

  app.get<AliasReq>('/functions/:fn/aliases/:alias', async (req) => aliasConfiguration(registry.aliases.get(unqualified(req.params.fn), req.params.alias)));

  app.put<AliasReq>('/functions/:fn/aliases/:alias', async (req) => {
    const name = unqualified(req.params.fn);
    const body = jsonObjectBody(req.body);
    refuseRouting(body.RoutingConfig);
    checkRevision(body.RevisionId, aliasRevision(registry.aliases.get(name, req.params.alias)));
    return aliasConfiguration(registry.aliases.put(name, req.params.alias, { functionVersion: body.FunctionVersion, description: body.Description }, 'update'));
  });

  app.delete<AliasReq>('/functions/:fn/aliases/:alias', async (req, reply) => {
    registry.aliases.delete(unqualified(req.params.fn), req.params.alias);
    return reply.status(204).send();
  });
}

/** The configuration of $LATEST, a version, or the version an alias points at. */
function configurationFor(registry: Registry, name: string, qualifier: string | undefined): Record<string, unknown> {
  if (qualifier === undefined || qualifier === LATEST) {
    const { fn, snapshot } = registry.latest(name);
    return functionConfiguration(fn, snapshot, 'latest');
  }
  return functionConfiguration(registry.get(name), registry.resolve(name, qualifier), 'version');
}

function unqualified(raw: string): string {
  const { name, qualifier } = parseFunctionName(raw);
  if (qualifier !== undefined) throw invalid(`this operation takes an unqualified function name (got "${raw}")`);
  return name;
}

function checkRevision(given: unknown, current: string): void {
  if (given !== undefined && given !== current) {
    throw new SkyscaleError('RevisionMismatch', `RevisionId ${String(given)} is not the current one (${current}); read the resource again`);
  }
}

function refuseRouting(routing: unknown): void {
  const weights = (routing as { AdditionalVersionWeights?: Record<string, number> } | undefined)?.AdditionalVersionWeights;
  if (weights && Object.keys(weights).length) throw invalid('weighted aliases (RoutingConfig.AdditionalVersionWeights) are not supported');
}

/** Marker = the offset of the next item, as an opaque string. */
export function paginate<T>(items: T[], q: { Marker?: string; MaxItems?: string }): { items: T[]; next: string | null } {
  const max = q.MaxItems === undefined ? DEFAULT_PAGE : Number(q.MaxItems);
  if (!Number.isInteger(max) || max < 1 || max > 10000) throw invalid('MaxItems must be a whole number from 1 to 10000');
  let start = 0;
  if (q.Marker) {
    start = Number(Buffer.from(q.Marker, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalid('Marker is not one this server gave out');
  }
  const end = start + max;
  return { items: items.slice(start, end), next: end < items.length ? Buffer.from(String(end)).toString('base64url') : null };
}
