// skyscale keys create --role R [--name N] [--functions GLOB]... [--expires 30d|ISO] [--description T]
//             | keys list | keys revoke ID
// The new key's secret is printed once, by `create`; the server keeps no readable copy for anyone.
import { CliError } from '../cli-error.js';
import { table, type Command } from '../command.js';

interface KeyView {
  id: string;
  role: string;
  name: string;
  description: string;
  functions: string[] | null;
  expiresAt: string | null;
  createdAt: string;
  revokedAt: string | null;
  bootstrap: boolean;
  status: string;
}

const ROLES = 'admin|developer|invoker|viewer';

export const keysCommand: Command = {
  name: 'keys',
  summary: `API keys: keys create --role ${ROLES} [--functions GLOB] [--expires 30d] | keys list | keys revoke ID`,
  usage: `skyscale keys create --role ${ROLES} [--name N] [--functions 'orders-*']... [--expires 30d|2026-12-31T00:00:00Z] [--description T] | skyscale keys list | skyscale keys revoke ID`,
  options: {
    role: { type: 'string', short: 'r' },
    name: { type: 'string', short: 'n' },
    functions: { type: 'string', short: 'f', multiple: true },
    expires: { type: 'string' },
    description: { type: 'string', short: 'd' },
  },
  async run(values, positionals, ctx) {
    const [action, id] = positionals;
    if (action === 'list' || action === undefined) {
      const { keys } = await ctx.client().json<{ keys: KeyView[] }>('GET', '/v1/keys');
      if (ctx.json) ctx.out(JSON.stringify(keys));
      else ctx.out(table([['ID', 'ROLE', 'NAME', 'FUNCTIONS', 'EXPIRES', 'STATUS', 'CREATED'],
        ...keys.map((k) => [k.id, k.role, k.name, k.functions?.join(',') ?? 'all', k.expiresAt ?? 'never', k.bootstrap ? `${k.status} (bootstrap)` : k.status, k.createdAt])]));
      return 0;
    }
    if (action === 'create') {
      if (typeof values.role !== 'string') throw new CliError('MissingArgument', 'a role is required', `usage: ${this.usage}`);
      const functions = ((values.functions as string[] | undefined) ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean);
      const expires = values.expires as string | undefined;
      const body = {
        role: values.role,
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values.description !== undefined ? { description: values.description } : {}),
        ...(functions.length ? { functions } : {}),
        ...(expires === undefined ? {} : /^[0-9]+[a-z]$/.test(expires) ? { expiresIn: expires } : { expiresAt: expires }),
      };
      const { key, secret } = await ctx.client().json<{ key: KeyView; secret: string }>('POST', '/v1/keys', body);
      if (ctx.json) {
        ctx.out(JSON.stringify({ key, secret }));
        return 0;
      }
      ctx.out(secret);
      ctx.err(`Created ${key.role} key ${key.id} ("${key.name}")${key.functions ? ` for functions ${key.functions.join(', ')}` : ''}${key.expiresAt ? `, expiring ${key.expiresAt}` : ''}.`);
      ctx.err('The key is shown only this once: keep it (e.g. `skyscale login --api-key <key>`, or SKYSCALE_API_KEY).');
      return 0;
    }
    if (action === 'revoke') {
      if (!id) throw new CliError('MissingArgument', 'the id of the key to revoke is required', 'list the keys with `skyscale keys list`');
      await ctx.client().request('DELETE', `/v1/keys/${encodeURIComponent(id)}`);
      ctx.out(ctx.json ? JSON.stringify({ revoked: id }) : `Revoked key ${id}`);
      return 0;
    }
    throw new CliError('InvalidArguments', `unknown keys action "${action}"`, `usage: ${this.usage}`);
  },
};
