// Lambda API 2015-03-31: functions (create, get, list, update code and configuration,
// delete) and versions (publish, list). Operations map onto the registry; $LATEST is
// the snapshot a function runs by default (see docs/DESIGN.md, "Versions").
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from '../../registry/registry.js';
import { ZIP_LIMIT_BYTES } from '../../model/limits.js';
import { isVersionNumber, LATEST } from '../../model/names.js';
import type { LambdaServices } from '../deps.js';
import { jsonObjectBody } from '../request-body.js';
import { parseFunctionName, unqualifiedName } from './function-name.js';
import { paginate } from './pagination.js';
import { checkRevision, functionConfiguration, invalid, latestRevision, settingsFromLambda, zipFromLambda, type FunctionConfiguration } from './shapes.js';

/** a 50 MB zip grows by a third in base64, plus the JSON around it */
const CODE_BODY_LIMIT = Math.ceil(ZIP_LIMIT_BYTES * 1.4);

type Fn = { Params: { fn: string }; Querystring: { Qualifier?: string } };
type Paged = { Querystring: { Marker?: string; MaxItems?: string; FunctionVersion?: string } };

export function lambdaFunctionRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
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
    const name = unqualifiedName(req.params.fn);
    const body = jsonObjectBody(req.body);
    checkRevision(body.RevisionId, latestRevision(registry.get(name)));
    const fn = registry.reconfigure(name, settingsFromLambda(body));
    return functionConfiguration(fn, registry.latest(name).snapshot, 'latest');
  });

  app.put<Fn>('/functions/:fn/code', { bodyLimit: CODE_BODY_LIMIT }, async (req) => {
    const name = unqualifiedName(req.params.fn);
    const body = jsonObjectBody(req.body);
    checkRevision(body.RevisionId, latestRevision(registry.get(name)));
    const publish = body.Publish === true;
    const v = await registry.deploy(name, zipFromLambda(body, ZIP_LIMIT_BYTES), { publish, dryRun: body.DryRun === true });
    return functionConfiguration(registry.get(name), v, publish && body.DryRun !== true ? 'version' : 'latest');
  });

  app.delete<Fn>('/functions/:fn', async (req, reply) => {
    const { name, qualifier } = parseFunctionName(req.params.fn, req.query.Qualifier);
    if (qualifier === undefined || qualifier === LATEST) registry.delete(name);
    else if (isVersionNumber(qualifier)) registry.deleteVersion(name, Number(qualifier));
    else throw invalid('to delete an alias use DeleteAlias; DeleteFunction takes a version number as Qualifier');
    return reply.status(204).send();
  });

  app.post<Fn>('/functions/:fn/versions', async (req, reply) => {
    const name = unqualifiedName(req.params.fn);
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
    const name = unqualifiedName(req.params.fn);
    const { fn, snapshot } = registry.latest(name);
    const items = [functionConfiguration(fn, snapshot, 'latest'), ...registry.versions(name).map((v) => functionConfiguration(fn, v, 'version'))];
    const page = paginate(items, req.query);
    return { Versions: page.items, ...(page.next ? { NextMarker: page.next } : {}) };
  });
}

/** The configuration of $LATEST, a version, or the version an alias points at. */
function configurationFor(registry: Registry, name: string, qualifier: string | undefined): FunctionConfiguration {
  if (qualifier === undefined || qualifier === LATEST) {
    const { fn, snapshot } = registry.latest(name);
    return functionConfiguration(fn, snapshot, 'latest');
  }
  return functionConfiguration(registry.get(name), registry.resolve(name, qualifier), 'version');
}
