// skyscale list | info --name N | delete --name N | versions --name N
import { NAME_OPTION, requireName, table, type Command } from '../command.js';

interface FnView { name: string; runtime: string; runtimeNote?: string; handler: string; memory: number; timeout: number; latestVersion: number | null; updatedAt: string; env: Record<string, string | { secret: string }>; network?: string; allow?: string[]; minWarm?: number; reservedConcurrency?: number | null }
interface VersionView { version: number; codeSha256: string; codeSize: number; runtime: string; memory: number; timeout: number; createdAt: string }

export const listCommand: Command = {
  name: 'list',
  summary: 'list functions',
  usage: 'skyscale list',
  options: {},
  async run(_values, _positionals, ctx) {
    const { functions } = await ctx.client().json<{ functions: FnView[] }>('GET', '/v1/functions');
    if (ctx.json) ctx.out(JSON.stringify(functions));
    else if (!functions.length) ctx.err('no functions yet: create one with `skyscale init --name hello` and deploy it');
    else ctx.out(table([['NAME', 'RUNTIME', 'VERSION', 'MEMORY', 'TIMEOUT', 'UPDATED'], ...functions.map((f) => [f.name, f.runtime, f.latestVersion, `${f.memory} MB`, `${f.timeout} s`, f.updatedAt])]));
    return 0;
  },
};

export const infoCommand: Command = {
  name: 'info',
  summary: "show a function's settings and latest version",
  usage: 'skyscale info --name NAME',
  options: { ...NAME_OPTION },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const info = await ctx.client().json<{ function: FnView; async?: { maxRetryAttempts: number; maxEventAgeSeconds: number }; latest: VersionView | null; versions: number }>(
      'GET', `/v1/functions/${encodeURIComponent(name)}`);
    if (ctx.json) {
      ctx.out(JSON.stringify(info));
      return 0;
    }
    const f = info.function;
    ctx.out(table([
      ['name', f.name], ['runtime', f.runtimeNote ? `${f.runtime} (${f.runtimeNote})` : f.runtime], ['handler', f.handler], ['memory', `${f.memory} MB`],
      ['timeout', `${f.timeout} s`], ['env', Object.entries(f.env).map(([k, v]) => (typeof v === 'string' ? k : `${k} (secret)`)).join(', ') || '-'], ['versions', info.versions],
      ['network', f.network ? `${f.network}${f.allow?.length ? ` (allow ${f.allow.join(', ')})` : ''}` : '-'],
      ['min warm', f.minWarm ?? 0], ['concurrency', f.reservedConcurrency ?? 'unreserved'],
      ['async', info.async ? `${info.async.maxRetryAttempts} retries, events kept ${info.async.maxEventAgeSeconds} s` : '-'],
      ['latest', info.latest ? `${info.latest.version} (sha256 ${info.latest.codeSha256.slice(0, 12)}, ${info.latest.codeSize} bytes, ${info.latest.createdAt})` : 'not deployed'],
    ]));
    return 0;
  },
};

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'delete a function, its versions and its logs',
  usage: 'skyscale delete --name NAME',
  options: { ...NAME_OPTION },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    await ctx.client().request('DELETE', `/v1/functions/${encodeURIComponent(name)}`);
    ctx.out(ctx.json ? JSON.stringify({ deleted: name }) : `Deleted ${name}`);
    return 0;
  },
};

export const versionsCommand: Command = {
  name: 'versions',
  summary: "list a function's versions",
  usage: 'skyscale versions --name NAME',
  options: { ...NAME_OPTION },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const { versions } = await ctx.client().json<{ versions: VersionView[] }>('GET', `/v1/functions/${encodeURIComponent(name)}/versions`);
    if (ctx.json) ctx.out(JSON.stringify(versions));
    else ctx.out(table([['VERSION', 'SHA256', 'SIZE', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'CREATED'], ...versions.map((v) => [v.version, v.codeSha256.slice(0, 12), v.codeSize, v.runtime, `${v.memory} MB`, `${v.timeout} s`, v.createdAt])]));
    return 0;
  },
};
