// skyscale login --endpoint URL --api-key ID.SECRET [--ca-cert FILE]: saves them for
// later commands (the CA file: a private certificate authority for an https endpoint).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ApiClient, checkedEndpoint, cliConfigPath } from '../api-client.js';
import { CliError } from '../cli-error.js';
import type { Command } from '../command.js';

export const loginCommand: Command = {
  name: 'login',
  summary: 'save the server endpoint and API key for later commands',
  usage: 'skyscale login --api-key ID.SECRET [--endpoint http://127.0.0.1:8080 | https://…] [--ca-cert FILE]',
  options: { endpoint: { type: 'string' }, 'api-key': { type: 'string' }, 'ca-cert': { type: 'string' } },
  async run(values, _positionals, ctx) {
    const apiKey = values['api-key'] as string | undefined;
    if (!apiKey) throw new CliError('MissingArgument', '--api-key is required', `usage: ${this.usage}`);
    const endpoint = checkedEndpoint(((values.endpoint as string | undefined) ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''));
    const given = values['ca-cert'] as string | undefined;
    const caCert = given === undefined ? null : resolve(given);
    await new ApiClient({ endpoint, apiKey, caCert }).json('GET', '/v1/functions'); // proves them before saving
    const path = cliConfigPath(ctx.env);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify({ endpoint, apiKey, ...(caCert ? { caCert } : {}) }, null, 2)}\n`, { mode: 0o600 });
    ctx.out(ctx.json ? JSON.stringify({ endpoint, saved: path }) : `Logged in to ${endpoint} (saved in ${path})`);
    return 0;
  },
};
