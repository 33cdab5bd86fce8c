// Lambda API: reserved concurrency (PUT/DELETE under 2017-10-31, GET under 2019-09-30)
// and function URL configurations (2021-10-31).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppDeps } from '../app.js';
import { jsonObjectBody } from '../routes/body.js';
import { invalid, parseFunctionName, urlConfiguration } from './shapes.js';

export const MAX_RESERVED_CONCURRENCY = 10_000;

type Fn = { Params: { fn: string }; Querystring: { Qualifier?: string } };

export function lambdaConcurrencyRoutes(which: 'put-delete' | 'get') {
  return (app: FastifyInstance, { registry }: AppDeps): void => {
    if (which === 'get') {
      app.get<Fn>('/functions/:fn/concurrency', async (req) => {
        const n = registry.reservedConcurrency(parseFunctionName(req.params.fn).name);
        return n === null ? {} : { ReservedConcurrentExecutions: n };
      });
      return;
    }
    app.put<Fn>('/functions/:fn/concurrency', async (req) => {
      const body = jsonObjectBody(req.body);
      const n = body.ReservedConcurrentExecutions;
      if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > MAX_RESERVED_CONCURRENCY) {
        throw invalid(`ReservedConcurrentExecutions must be a whole number from 0 to ${MAX_RESERVED_CONCURRENCY}`);
      }
      registry.setReservedConcurrency(parseFunctionName(req.params.fn).name, n as number);
      return { ReservedConcurrentExecutions: n };
    });
    app.delete<Fn>('/functions/:fn/concurrency', async (req, reply) => {
      registry.setReservedConcurrency(parseFunctionName(req.params.fn).name, null);
      return reply.status(204).send();
    });
  };
}

export function lambdaUrlConfigRoutes(app: FastifyInstance, { registry }: AppDeps): void {
  const target = (req: FastifyRequest<Fn>) => {
    const { name, qualifier } = parseFunctionName(req.params.fn, req.query.Qualifier);
    return { name, qualifier: qualifier ?? '' };
  };
  const input = (body: Record<string, unknown>) => ({ authType: body.AuthType, cors: body.Cors, invokeMode: body.InvokeMode });

  app.post<Fn>('/functions/:fn/url', async (req, reply) => {
    const { name, qualifier } = target(req);
    const url = registry.urls.put(name, qualifier, input(jsonObjectBody(req.body)), 'create');
    return reply.status(201).send(urlConfiguration(url, baseUrl(req)));
  });
  app.get<Fn>('/functions/:fn/url', async (req) => {
    const { name, qualifier } = target(req);
    return urlConfiguration(registry.urls.get(name, qualifier), baseUrl(req));
  });
  app.put<Fn>('/functions/:fn/url', async (req) => {
    const { name, qualifier } = target(req);
    return urlConfiguration(registry.urls.put(name, qualifier, input(jsonObjectBody(req.body)), 'update'), baseUrl(req));
  });
  app.delete<Fn>('/functions/:fn/url', async (req, reply) => {
    const { name, qualifier } = target(req);
    registry.urls.delete(name, qualifier);
    return reply.status(204).send();
  });
  app.get<Fn>('/functions/:fn/urls', async (req) => ({
    FunctionUrlConfigs: registry.urls.list(parseFunctionName(req.params.fn).name).map((u) => urlConfiguration(u, baseUrl(req))),
  }));
}

/** The server as the client reached it: function URLs are relative to it. */
export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? 'localhost'}`;
}
