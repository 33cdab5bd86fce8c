// API keys as the rest of the platform sees them: an id, a role, a name, and what
// limits the key: an optional set of function-name globs (its scope) and an optional
// expiry. The secret never leaves auth/ and the store.

export const ROLES = ['admin', 'developer', 'invoker', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  id: string;
  role: Role;
  name: string;
  /** function-name globs (`orders-*`) the key may act on; null: every function */
  functions: string[] | null;
  /** ISO time after which the key no longer works; null: never */
  expiresAt: string | null;
}

/** A key as `keys list` and GET /v1/keys show it: everything but the secret. */
export interface ApiKeyInfo extends ApiKey {
  description: string;
  createdAt: string;
  revokedAt: string | null;
  /** the server's own admin key, kept in step with its configuration */
  bootstrap: boolean;
  status: 'active' | 'expired' | 'revoked';
}

/** A function-name glob: name characters, `*` (any run) and `?` (one character). */
export const FUNCTION_GLOB = /^[A-Za-z0-9_*?-]{1,64}$/;

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Whether `name` matches one of the globs (a null scope matches every name). */
export function inScope(functions: string[] | null, name: string): boolean {
  return functions === null || functions.some((glob) => globPattern(glob).test(name));
}

const compiled = new Map<string, RegExp>();
function globPattern(glob: string): RegExp {
  let re = compiled.get(glob);
  if (!re) {
    re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(glob, re);
  }
  return re;
}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `30d`, `12h`, `90m`, `2w` in milliseconds; undefined when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^([1-9][0-9]{0,5})([mhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}
