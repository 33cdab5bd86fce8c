// Lambda API: reserved concurrency. AWS serves it under two date prefixes:
// PutFunctionConcurrency and DeleteFunctionConcurrency under 2017-10-31,
// GetFunctionConcurrency under 2019-09-30. Stored by the registry, enforced by the
// scheduler's admission.
import type { FastifyInstance } from 'fastify';
import type { LambdaServices } from '../deps.js';
import { jsonObjectBody } from '../request-body.js';
import { parseFunctionName } from './function-name.js';
import { invalid } from './shapes.js';

export const MAX_RESERVED_CONCURRENCY = 10_000;

type Fn = { Params: { fn: string } };

/** PutFunctionConcurrency, DeleteFunctionConcurrency (2017-10-31). */
export function concurrencyWriteRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
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
}

/** GetFunctionConcurrency (2019-09-30): an empty object when none is set, as Lambda answers. */
export function concurrencyReadRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
  app.get<Fn>('/functions/:fn/concurrency', async (req) => {
    const n = registry.reservedConcurrency(parseFunctionName(req.params.fn).name);
    return n === null ? {} : { ReservedConcurrentExecutions: n };
  });
}
