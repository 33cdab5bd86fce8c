// /v1/functions: create, configure, list, get and delete functions; deploy code as a
// new version; list, publish and roll back versions; aliases; read recent logs.
import type { FastifyPluginAsync } from 'fastify';
import type { AliasRecord, FunctionRecord, VersionRecord } from '../../model/function.js';
import type { AppDeps } from '../app.js';
import { SkyscaleError } from '../../errors.js';
import { validateMinWarm } from '../../registry/registry.js';
import { jsonObjectBody, rawBody } from './body.js';

type NameParams = { Params: { name: string } };

export function functionView(fn: FunctionRecord): Record<string, unknown> {
  return {
    name: fn.name, runtime: fn.runtime, handler: fn.handler, memory: fn.memoryMb, timeout: fn.timeoutS, env: fn.env,
    description: fn.description, latestVersion: fn.latestVersion, reservedConcurrency: fn.reservedConcurrency, minWarm: fn.minWarm, createdAt: fn.createdAt, updatedAt: fn.updatedAt,
  };
}

export function versionView(v: VersionRecord): Record<string, unknown> {
  return {
    function: v.functionName, version: v.version, codeSha256: v.codeSha256, codeSize: v.codeSize, runtime: v.runtime,
    handler: v.handler, memory: v.memoryMb, timeout: v.timeoutS, env: v.env, description: v.description, createdAt: v.createdAt, published: v.published,
  };
}

export function aliasView(a: AliasRecord): Record<string, unknown> {
  return { function: a.functionName, name: a.name, version: a.functionVersion, description: a.description, createdAt: a.createdAt, updatedAt: a.updatedAt };
}

export function functionRoutes(deps: AppDeps): FastifyPluginAsync {
  const { registry, recorder } = deps;
  return async (app) => {
    app.get('/functions', async () => ({ functions: registry.list().map(functionView) }));

    app.post('/functions', async (req, reply) => {
      const body = jsonObjectBody(req.body);
      const fn = registry.create(body.name, body);
      return reply.status(201).send({ function: functionView(fn) });
    });

    app.put<NameParams>('/functions/:name', async (req, reply) => {
      const body = jsonObjectBody(req.body);
      if (body.name !== undefined && body.name !== req.params.name) {
        throw new SkyscaleError('ValidationError', `the body names "${String(body.name)}" but the path names "${req.params.name}"`);
      }
      const { minWarm, ...settings } = body;
      if (minWarm !== undefined) validateMinWarm(minWarm); // before anything is written
      let { fn, created } = registry.upsert(req.params.name, settings);
      if (minWarm !== undefined) fn = registry.setMinWarm(fn.name, minWarm);
      return reply.status(created ? 201 : 200).send({ function: functionView(fn) });
    });

    app.get<NameParams>('/functions/:name', async (req) => {
      const { fn, snapshot } = registry.latest(req.params.name);
      return {
        function: functionView(fn), latest: snapshot ? versionView(snapshot) : null, versions: registry.versions(fn.name).length,
        aliases: registry.aliases.list(fn.name).map(aliasView),
      };
    });

    app.delete<NameParams>('/functions/:name', async (req, reply) => {
      registry.delete(req.params.name);
      return reply.status(204).send();
    });

    app.post<NameParams>('/functions/:name/versions', async (req, reply) => {
      const bytes = rawBody(req.body);
      if (bytes.length === 0) throw new SkyscaleError('InvalidCodePackage', 'the request body is empty: send a zip or tar.gz package');
      const version = await registry.deploy(req.params.name, bytes);
      req.log.info({ function: version.functionName, version: version.version, sha256: version.codeSha256 }, 'deployed');
      return reply.status(201).send({ version: versionView(version) });
    });

    app.get<NameParams>('/functions/:name/versions', async (req) => ({ versions: registry.versions(req.params.name).map(versionView) }));

    app.post<NameParams>('/functions/:name/publish', async (req, reply) => {
      const version = registry.publish(req.params.name);
      return reply.status(201).send({ version: versionView(version) });
    });

    app.post<NameParams>('/functions/:name/rollback', async (req) => {
      const body = jsonObjectBody(req.body);
      if (body.alias !== undefined && typeof body.alias !== 'string') throw new SkyscaleError('ValidationError', 'alias must be a string');
      const moved = registry.rollback(req.params.name, body.alias as string | undefined);
      req.log.info({ function: req.params.name, ...moved }, 'rolled back');
      return { rollback: moved };
    });

    app.get<NameParams>('/functions/:name/aliases', async (req) => ({ aliases: registry.aliases.list(req.params.name).map(aliasView) }));

    type AliasParams = { Params: { name: string; alias: string } };
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

    app.get<NameParams & { Querystring: { limit?: string } }>('/functions/:name/logs', async (req) => {
      registry.get(req.params.name);
      const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new SkyscaleError('ValidationError', 'limit must be a whole number from 1 to 1000');
      const items = recorder.recentForFunction(req.params.name, limit);
      return {
        invocations: items.map((r) => ({ id: r.id, version: r.version, status: r.status, startedAt: r.startedAt, durationMs: r.durationMs, cold: r.cold, log: r.log })),
      };
    });
  };
}
