// /v1/functions: create, configure, list, get and delete functions; deploy code as a
// new version; list, publish and roll back versions.
import type { FastifyPluginAsync } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { validateMinWarm } from '../../registry/registry.js';
import type { NativeServices } from '../deps.js';
import { callerMayAct, needs } from '../gate.js';
import { UPLOAD_LIMIT_BYTES } from '../../model/limits.js';
import { rawBody } from '../request-body.js';
import { deploySettings, wantsServerBuild } from './settings-header.js';
import { asyncSettingsProblems } from '../../model/async-invocation.js';
import { destinationConfigOf } from '../../model/destinations.js';
import { createFunction, functionByName, putFunction, rollback, type AsyncSettingsBody, type CreateFunctionBody, type PutFunctionBody, type RollbackBody } from './schemas.js';
import { aliasView, buildView, functionView, versionView } from './views.js';
import type { BuiltDependencies } from '../../model/dependency-build.js';

type NameParams = { Params: { name: string } };

export function functionRoutes({ registry, asyncInvocations }: Pick<NativeServices, 'registry' | 'asyncInvocations'>): FastifyPluginAsync {
  const setAsync = (name: string, change: AsyncSettingsBody | undefined) => {
    if (!change) return;
    const { onSuccess, onFailure, ...settings } = change;
    const destinations = onSuccess !== undefined || onFailure !== undefined
      ? { destinations: destinationConfigOf(onSuccess, onFailure, asyncInvocations.configs.current(name)?.destinations ?? null) } : {};
    asyncInvocations.configs.put(name, undefined, { ...settings, ...destinations }, false);
  };
  return async (app) => {
    app.get('/functions', { config: needs('functions:read', 'listing') }, async (req) => ({
      functions: registry.list().filter((fn) => callerMayAct(req, fn.name)).map(functionView),
    }));

    app.post<{ Body: CreateFunctionBody }>('/functions', { config: needs('functions:write', 'body', 'function.create'), schema: createFunction }, async (req, reply) => {
      const fn = await registry.create(req.body.name, req.body);
      return reply.status(201).send({ function: functionView(fn) });
    });

    app.put<NameParams & { Body: PutFunctionBody }>('/functions/:name', { config: needs('functions:write', 'path', 'function.put'), schema: putFunction }, async (req, reply) => {
      const { minWarm, async, settings } = splitPut(req.params.name, req.body, 'the body');
      let { fn, created } = await registry.upsert(req.params.name, settings);
      if (minWarm !== undefined) fn = registry.setMinWarm(fn.name, minWarm);
      setAsync(fn.name, async);
      return reply.status(created ? 201 : 200).send({ function: functionView(fn), async: asyncInvocations.configs.settingsFor(fn.name, null) });
    });

    app.get<NameParams>('/functions/:name', { config: needs('functions:read', 'path'), schema: functionByName }, async (req) => {
      const { fn, snapshot } = registry.latest(req.params.name);
      return {
        function: functionView(fn), async: asyncInvocations.configs.settingsFor(fn.name, null), latest: snapshot ? versionView(snapshot) : null, versions: registry.versions(fn.name).length,
        aliases: registry.aliases.list(fn.name).map(aliasView),
      };
    });

    app.delete<NameParams>('/functions/:name', { config: needs('functions:write', 'path', 'function.delete'), schema: functionByName }, async (req, reply) => {
      await registry.delete(req.params.name);
      return reply.status(204).send();
    });

    // The body is the package itself (zip, tar.gz or tar), taken as the bytes that came.
    // With settings (the Skyscale-Settings header) both become one snapshot, and the
    // function is created if need be; without, the snapshot takes the current settings.
    app.post<NameParams>('/functions/:name/versions', { config: needs('functions:write', 'path', 'function.deploy'), bodyLimit: UPLOAD_LIMIT_BYTES, schema: functionByName }, async (req, reply) => {
      const sent = deploySettings(req);
      const { minWarm, async, settings } = sent ? splitPut(req.params.name, sent, 'the Skyscale-Settings header') : { minWarm: undefined, async: undefined, settings: undefined };
      const bytes = rawBody(req.body);
      if (bytes.length === 0) throw new SkyscaleError('InvalidCodePackage', 'the request body is empty: send a zip or tar.gz package');
      let build: BuiltDependencies | null = null;
      const version = await registry.deploy(req.params.name, bytes, { settings, build: wantsServerBuild(req), onBuild: (b) => { build = b; } });
      if (minWarm !== undefined) registry.setMinWarm(req.params.name, minWarm);
      setAsync(req.params.name, async);
      req.log.info({ function: version.functionName, version: version.version, sha256: version.codeSha256 }, 'deployed');
      return reply.status(201).send({ version: versionView(version), ...(build ? { build: buildView(build) } : {}) });
    });

    app.get<NameParams>('/functions/:name/versions', { config: needs('functions:read', 'path'), schema: functionByName }, async (req) => ({ versions: registry.versions(req.params.name).map(versionView) }));

    app.post<NameParams>('/functions/:name/publish', { config: needs('functions:write', 'path', 'function.publish'), schema: functionByName }, async (req, reply) => {
      const version = registry.publish(req.params.name);
      return reply.status(201).send({ version: versionView(version) });
    });

    app.post<NameParams & { Body: RollbackBody }>('/functions/:name/rollback', { config: needs('functions:write', 'path', 'function.rollback'), schema: rollback }, async (req) => {
      const moved = await registry.rollback(req.params.name, req.body.alias);
      req.log.info({ function: req.params.name, ...moved }, 'rolled back');
      return { rollback: moved };
    });
  };
}

/**
 * A PUT body (or a deploy's settings): the settings to store, and minWarm and async
 * (the retry and age settings of asynchronous invocations), which are the function's
 * and not a version's, checked before anything is written.
 */
function splitPut(pathName: string, body: PutFunctionBody, where: string): {
  minWarm: number | undefined; async: AsyncSettingsBody | undefined; settings: Omit<PutFunctionBody, 'name' | 'minWarm' | 'async'>;
} {
  const { name, minWarm, async, ...settings } = body;
  if (name !== undefined && name !== pathName) throw new SkyscaleError('ValidationError', `${where} names "${name}" but the path names "${pathName}"`);
  if (minWarm !== undefined) validateMinWarm(minWarm);
  const problems = async ? asyncSettingsProblems(async) : [];
  if (problems.length) throw new SkyscaleError('InvalidFunctionConfig', `${where} is invalid: ${problems.join('; ')}`, { details: { problems } });
  return { minWarm, async, settings };
}
