// Lambda API 2015-03-31: functions (create, get, list, update code and configuration,
// delete) and versions (publish, list). Operations map onto the registry; $LATEST is
// the snapshot a function runs by default (see docs/DESIGN.md, "Versions").
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from '../../registry/registry.js';
import { ZIP_LIMIT_BYTES } from '../../model/limits.js';
import { isVersionNumber, LATEST } from '../../model/names.js';
import type { LambdaServices } from '../deps.js';
import { callerMayAct, needs } from '../gate.js';
import { parseFunctionName, unqualifiedName } from './function-name.js';
import { paginate } from './pagination.js';
import {
  createFunction, listFunctions, listVersions, publishVersion, qualifiedFunction, updateCode, updateConfiguration,
  type CreateFunctionBody, type PageQuery, type PublishVersionBody, type UpdateCodeBody, type UpdateConfigurationBody,
} from './schemas.js';
import { checkRevision, functionConfiguration, invalid, latestRevision, settingsFromLambda, zipFromLambda, type FunctionConfiguration } from './shapes.js';

/**
 * What AWS takes for a request carrying a zip: the base64 of 50 MB, JSON around it
 * included ("Request must be smaller than 69905067 bytes for the CreateFunction
 * operation", a RequestEntityTooLargeException).
 */
const CODE_BODY_LIMIT = Math.ceil(ZIP_LIMIT_BYTES * 4 / 3);

type Fn = { Params: { FunctionName: string } };
type Qualified = Fn & { Querystring: { Qualifier?: string } };
type Listing = { Querystring: PageQuery & { FunctionVersion?: 'ALL' } };

export function lambdaFunctionRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
  app.post<{ Body: CreateFunctionBody }>('/functions', { config: needs('functions:write', 'body', 'function.create'), bodyLimit: CODE_BODY_LIMIT, schema: createFunction }, async (req, reply) => {
    const body = req.body;
    const { name, qualifier } = parseFunctionName(body.FunctionName);
    if (qualifier !== undefined) throw invalid('FunctionName may not carry a qualifier when creating a function');
    const zip = zipFromLambda(body.Code, ZIP_LIMIT_BYTES);
    const v = await registry.createWithCode(name, settingsFromLambda(body, registry.runtimes.accepted()), zip, body.Publish === true, body.Tags ?? {});
    req.log.info({ function: name, version: v.version }, 'created through the Lambda API');
    return reply.status(201).send(functionConfiguration(registry.get(name), v, body.Publish === true ? 'version' : 'latest'));
  });

  const list = async (req: FastifyRequest<Listing>) => {
    const all = req.query.FunctionVersion === 'ALL';
    const items = registry.list().filter((fn) => callerMayAct(req, fn.name)).flatMap((fn) => {
      const latest = functionConfiguration(fn, registry.latest(fn.name).snapshot, 'latest');
      return all ? [latest, ...registry.versions(fn.name).map((v) => functionConfiguration(fn, v, 'version'))] : [latest];
    });
    const page = paginate(items, req.query);
    return { Functions: page.items, ...(page.next ? { NextMarker: page.next } : {}) };
  };
  app.get<Listing>('/functions', { config: needs('functions:read', 'listing'), schema: listFunctions }, list);
  app.get<Listing>('/functions/', { config: needs('functions:read', 'listing'), schema: listFunctions }, list);

  app.get<Qualified>('/functions/:FunctionName', { config: needs('functions:read', 'path'), schema: qualifiedFunction }, async (req) => {
    const { name, qualifier } = parseFunctionName(req.params.FunctionName, req.query.Qualifier);
    const fn = registry.get(name);
    return {
      Configuration: configurationFor(registry, name, qualifier),
      Code: { RepositoryType: 'S3' },
      ...tagsOf(registry, name),
      ...(fn.reservedConcurrency !== null ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } } : {}),
    };
  });

  app.get<Qualified>('/functions/:FunctionName/configuration', { config: needs('functions:read', 'path'), schema: qualifiedFunction }, async (req) => {
    const { name, qualifier } = parseFunctionName(req.params.FunctionName, req.query.Qualifier);
    return configurationFor(registry, name, qualifier);
  });

  app.put<Fn & { Body: UpdateConfigurationBody }>('/functions/:FunctionName/configuration', { config: needs('functions:write', 'path', 'function.update-configuration'), schema: updateConfiguration }, async (req) => {
    const name = unqualifiedName(req.params.FunctionName);
    const fn = await registry.reconfigure(name, (current) => settingsFromLambda(req.body, registry.runtimes.accepted(), current), (current) => checkRevision(req.body.RevisionId, latestRevision(current)));
    return functionConfiguration(fn, registry.latest(name).snapshot, 'latest');
  });

  app.put<Fn & { Body: UpdateCodeBody }>('/functions/:FunctionName/code', { config: needs('functions:write', 'path', 'function.update-code'), bodyLimit: CODE_BODY_LIMIT, schema: updateCode }, async (req) => {
    const name = unqualifiedName(req.params.FunctionName);
    const body = req.body;
    const publish = body.Publish === true;
    const v = await registry.deploy(name, zipFromLambda(body, ZIP_LIMIT_BYTES), {
      publish, dryRun: body.DryRun === true, precondition: (current) => checkRevision(body.RevisionId, latestRevision(current)),
    });
    return functionConfiguration(registry.get(name), v, publish && body.DryRun !== true ? 'version' : 'latest');
  });

  app.delete<Qualified>('/functions/:FunctionName', { config: needs('functions:write', 'path', 'function.delete'), schema: qualifiedFunction }, async (req, reply) => {
    const { name, qualifier } = parseFunctionName(req.params.FunctionName, req.query.Qualifier);
    if (qualifier === LATEST) throw invalid('$LATEST version cannot be deleted without deleting the function.');
    if (qualifier === undefined) await registry.delete(name);
    else if (isVersionNumber(qualifier)) registry.deleteVersion(name, Number(qualifier));
    else throw invalid('to delete an alias use DeleteAlias; DeleteFunction takes a version number as Qualifier');
    return reply.status(204).send();
  });

  app.post<Fn & { Body: PublishVersionBody }>('/functions/:FunctionName/versions', { config: needs('functions:write', 'path', 'function.publish'), schema: publishVersion }, async (req, reply) => {
    const name = unqualifiedName(req.params.FunctionName);
    const { snapshot } = registry.latest(name);
    checkRevision(req.body.RevisionId, latestRevision(registry.get(name)));
    const sha = req.body.CodeSha256;
    const current = snapshot ? Buffer.from(snapshot.codeSha256, 'hex').toString('base64') : '';
    if (sha !== undefined && snapshot && sha !== current) {
      throw invalid(`CodeSHA256 (${sha}) is different from current CodeSHA256 in $LATEST (${current}). Please try again with the CodeSHA256 in $LATEST.`);
    }
    const v = registry.publish(name);
    return reply.status(201).send(functionConfiguration(registry.get(name), v, 'version'));
  });

  app.get<Fn & { Querystring: PageQuery }>('/functions/:FunctionName/versions', { config: needs('functions:read', 'path'), schema: listVersions }, async (req) => {
    const name = unqualifiedName(req.params.FunctionName);
    const { fn, snapshot } = registry.latest(name);
    const items = [functionConfiguration(fn, snapshot, 'latest'), ...registry.versions(name).map((v) => functionConfiguration(fn, v, 'version'))];
    const page = paginate(items, req.query);
    return { Versions: page.items, ...(page.next ? { NextMarker: page.next } : {}) };
  });
}

/** GetFunction's Tags: left out when the function has none, as Lambda answers. */
function tagsOf(registry: Registry, name: string): { Tags?: Record<string, string> } {
  const tags = registry.tags.get(name);
  return Object.keys(tags).length ? { Tags: tags } : {};
}

/** The configuration of $LATEST, a version, or the version an alias points at. */
function configurationFor(registry: Registry, name: string, qualifier: string | undefined): FunctionConfiguration {
  if (qualifier === undefined || qualifier === LATEST) {
    const { fn, snapshot } = registry.latest(name);
    return functionConfiguration(fn, snapshot, 'latest');
  }
  return functionConfiguration(registry.get(name), registry.resolve(name, qualifier), 'version');
}
