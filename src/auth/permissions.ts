// What each role may do. A route names the one permission it needs (docs/auth.md has
// the table of routes); a key's role grants a fixed set of permissions, and a key with
// a function scope is further limited to the functions its globs match.
import { SkyscaleError } from '../errors.js';
import { inScope, type ApiKey, type Role } from '../model/api-key.js';

export const PERMISSIONS = {
  'functions:read': 'read functions, versions, aliases, URL configs, concurrency, schedules and logs',
  'functions:write': 'create, change and delete functions, versions, aliases, URL configs, concurrency and schedules; deploy, publish, roll back',
  'functions:invoke': 'invoke functions (the native and Lambda APIs, AWS_IAM function URLs)',
  'invocations:read': 'read one invocation record by its id',
  'node:read': "read the node's sandboxes and admission (the pool) and the node-wide metrics",
  'metrics:read': 'scrape the Prometheus metrics (/metrics) from another host (loopback clients need no key)',
  'keys:manage': 'create, list and revoke API keys',
  'audit:read': 'read the audit log',
} as const;

export type Permission = keyof typeof PERMISSIONS;

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: Object.keys(PERMISSIONS) as Permission[],
  developer: ['functions:read', 'functions:write', 'functions:invoke', 'invocations:read', 'node:read', 'metrics:read'],
  viewer: ['functions:read', 'invocations:read', 'node:read', 'metrics:read'],
  invoker: ['functions:invoke', 'invocations:read'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Throws Forbidden unless the key's role grants the permission. */
export function requirePermission(key: ApiKey, permission: Permission): void {
  if (!roleAllows(key.role, permission)) {
    throw new SkyscaleError('Forbidden', `API key "${key.id}" (role ${key.role}) may not ${PERMISSIONS[permission]}`, {
      hint: `this needs a key whose role grants ${permission}; see docs/auth.md`,
    });
  }
}

/** Throws Forbidden unless the function is within the key's scope. */
export function requireFunctionInScope(key: ApiKey, functionName: string): void {
  if (!inScope(key.functions, functionName)) {
    throw new SkyscaleError('Forbidden', `API key "${key.id}" is limited to the functions ${key.functions!.join(', ')}; "${functionName}" is not one of them`);
  }
}

/** Throws Forbidden for a scoped key: node-wide routes (the pool, keys, the audit log) show every function. */
export function requireUnscoped(key: ApiKey): void {
  if (key.functions !== null) {
    throw new SkyscaleError('Forbidden', `API key "${key.id}" is limited to some functions and cannot use node-wide routes`);
  }
}
