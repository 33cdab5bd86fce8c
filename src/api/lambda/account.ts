// Lambda API 2016-08-19: GetAccountSettings, the "account" being this node: its limits
// (the code sizes it takes, the invocations it runs at once, what is left of those
// unreserved, the space of its code store) and its use (functions, stored code).
import type { FastifyInstance } from 'fastify';
import { UNPACKED_LIMIT_BYTES, ZIP_LIMIT_BYTES } from '../../model/limits.js';
import type { LambdaServices } from '../deps.js';
import { needs } from '../gate.js';

export interface AccountSettings {
  AccountLimit: { TotalCodeSize: number; CodeSizeUnzipped: number; CodeSizeZipped: number; ConcurrentExecutions: number; UnreservedConcurrentExecutions: number };
  AccountUsage: { TotalCodeSize: number; FunctionCount: number };
}

export function lambdaAccountRoutes(app: FastifyInstance, { registry, status }: Pick<LambdaServices, 'registry' | 'status'>): void {
  const settings = async (): Promise<AccountSettings> => {
    const functions = registry.list();
    const reserved = functions.reduce((n, fn) => n + (registry.reservedConcurrency(fn.name) ?? 0), 0);
    const concurrency = status.concurrencyLimit();
    const code = registry.codeStorage();
    return {
      AccountLimit: {
        TotalCodeSize: code.capacityBytes,
        CodeSizeUnzipped: UNPACKED_LIMIT_BYTES,
        CodeSizeZipped: ZIP_LIMIT_BYTES,
        ConcurrentExecutions: concurrency,
        UnreservedConcurrentExecutions: Math.max(0, concurrency - reserved),
      },
      AccountUsage: { TotalCodeSize: code.bytes, FunctionCount: functions.length },
    };
  };
  // node-wide figures: not for a key limited to some functions
  app.get('/account-settings', { config: needs('functions:read', 'node') }, settings);
  app.get('/account-settings/', { config: needs('functions:read', 'node') }, settings);
}
