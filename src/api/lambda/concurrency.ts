// Lambda API: reserved concurrency. AWS serves it under two date prefixes:
// PutFunctionConcurrency and DeleteFunctionConcurrency under 2017-10-31,
// GetFunctionConcurrency under 2019-09-30. Stored by the registry, enforced by the
// scheduler's admission.
import type { FastifyInstance } from 'fastify';
import type { LambdaServices } from '../deps.js';
import { needs } from '../gate.js';
import { parseFunctionName } from './function-name.js';
import { functionByName, putConcurrency, type PutConcurrencyBody } from './schemas.js';
import { invalid } from './shapes.js';
import { MAX_RESERVED_CONCURRENCY } from '../../model/limits.js';

/** What one function may reserve on a node (AWS bounds it by the account's unreserved concurrency). */

type Fn = { Params: { FunctionName: string } };

/** PutFunctionConcurrency, DeleteFunctionConcurrency (2017-10-31). */
export function concurrencyWriteRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
  app.put<Fn & { Body: PutConcurrencyBody }>('/functions/:FunctionName/concurrency', { config: needs('functions:write', 'path', 'concurrency.put'), schema: putConcurrency }, async (req) => {
    const n = req.body.ReservedConcurrentExecutions;
    if (n > MAX_RESERVED_CONCURRENCY) throw invalid(`ReservedConcurrentExecutions may be at most ${MAX_RESERVED_CONCURRENCY}`);
    registry.setReservedConcurrency(parseFunctionName(req.params.FunctionName).name, n);
    return { ReservedConcurrentExecutions: n };
  });

  app.delete<Fn>('/functions/:FunctionName/concurrency', { config: needs('functions:write', 'path', 'concurrency.delete'), schema: functionByName }, async (req, reply) => {
    registry.setReservedConcurrency(parseFunctionName(req.params.FunctionName).name, null);
    return reply.status(204).send();
  });
}

/** GetFunctionConcurrency (2019-09-30): an empty object when none is set, as Lambda answers. */
export function concurrencyReadRoutes(app: FastifyInstance, { registry }: Pick<LambdaServices, 'registry'>): void {
  app.get<Fn>('/functions/:FunctionName/concurrency', { config: needs('functions:read', 'path'), schema: functionByName }, async (req) => {
    const name = parseFunctionName(req.params.FunctionName).name;
    registry.get(name); // a function that does not exist is not found, not one without a reservation
    const n = registry.reservedConcurrency(name);
    return n === null ? {} : { ReservedConcurrentExecutions: n };
  });
}
