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

type Fn = { Params: { FunctionName: string } };

/** Reserved concurrency is the function's: AWS refuses a version or an alias, in these words. */
function functionOnly(raw: string): string {
  const { name, qualifier } = parseFunctionName(raw);
  if (qualifier !== undefined) {
    throw invalid('This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.');
  }
  return name;
}

/** PutFunctionConcurrency, DeleteFunctionConcurrency (2017-10-31). */
export function concurrencyWriteRoutes(app: FastifyInstance, { registry, status }: Pick<LambdaServices, 'registry' | 'status'>): void {
  app.put<Fn & { Body: PutConcurrencyBody }>('/functions/:FunctionName/concurrency', { config: needs('functions:write', 'path', 'concurrency.put'), schema: putConcurrency }, async (req) => {
    const n = req.body.ReservedConcurrentExecutions;
    const name = functionOnly(req.params.FunctionName);
    registry.get(name);
    // The node's concurrency is the account's: reservations may not take more than all of it
    // (AWS keeps a minimum unreserved; here it is 0).
    const others = registry.list().reduce((sum, fn) => sum + (fn.name === name ? 0 : registry.reservedConcurrency(fn.name) ?? 0), 0);
    if (others + n > status.concurrencyLimit() || n > MAX_RESERVED_CONCURRENCY) {
      throw invalid("Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [0].");
    }
    registry.setReservedConcurrency(name, n);
    return { ReservedConcurrentExecutions: n };
  });

  app.delete<Fn>('/functions/:FunctionName/concurrency', { config: needs('functions:write', 'path', 'concurrency.delete'), schema: functionByName }, async (req, reply) => {
    registry.setReservedConcurrency(functionOnly(req.params.FunctionName), null);
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
