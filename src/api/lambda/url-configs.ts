// Lambda API 2021-10-31: function URL configurations (create, get, update, delete,
// list). A URL belongs to a function (no Qualifier) or to one of its aliases; the
// URL itself is served by the function-URL surface under /fn.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LambdaServices } from '../deps.js';
import { needs } from '../gate.js';
import { parseFunctionName } from './function-name.js';
import { createUrlConfig, listUrlConfigs, updateUrlConfig, urlConfig, type UrlConfigBody } from './schemas.js';
import { urlConfiguration } from './shapes.js';

type Target = { Params: { FunctionName: string }; Querystring: { Qualifier?: string } };

export function lambdaUrlConfigRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
  const target = (req: FastifyRequest<Target>) => {
    const { name, qualifier } = parseFunctionName(req.params.FunctionName, req.query.Qualifier);
    return { name, qualifier: qualifier ?? '' };
  };
  const input = (body: UrlConfigBody) => ({ authType: body.AuthType, cors: body.Cors, invokeMode: body.InvokeMode });

  app.post<Target & { Body: UrlConfigBody }>('/functions/:FunctionName/url', { config: needs('functions:write', 'path', 'url-config.create'), schema: createUrlConfig }, async (req, reply) => {
    const { name, qualifier } = target(req);
    const url = registry.urls.put(name, qualifier, input(req.body), 'create');
    return reply.status(201).send(urlConfiguration(url, baseUrl(req)));
  });
  app.get<Target>('/functions/:FunctionName/url', { config: needs('functions:read', 'path'), schema: urlConfig }, async (req) => {
    const { name, qualifier } = target(req);
    return urlConfiguration(registry.urls.get(name, qualifier), baseUrl(req));
  });
  app.put<Target & { Body: UrlConfigBody }>('/functions/:FunctionName/url', { config: needs('functions:write', 'path', 'url-config.update'), schema: updateUrlConfig }, async (req) => {
    const { name, qualifier } = target(req);
    return urlConfiguration(registry.urls.put(name, qualifier, input(req.body), 'update'), baseUrl(req));
  });
  app.delete<Target>('/functions/:FunctionName/url', { config: needs('functions:write', 'path', 'url-config.delete'), schema: urlConfig }, async (req, reply) => {
    const { name, qualifier } = target(req);
    registry.urls.delete(name, qualifier);
    return reply.status(204).send();
  });
  app.get<Target>('/functions/:FunctionName/urls', { config: needs('functions:read', 'path'), schema: listUrlConfigs }, async (req) => ({
    FunctionUrlConfigs: registry.urls.list(parseFunctionName(req.params.FunctionName).name).map((u) => urlConfiguration(u, baseUrl(req))),
  }));
}

/** The server as the client reached it: function URLs are relative to it. */
function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}
