// skyscale publish --name N | alias set|list|delete ... --name N | rollback --name N [--alias A]
import { CliError } from '../cli-error.js';
import { NAME_OPTION, requireName, table, type Command } from '../command.js';

interface VersionView { version: number; codeSha256: string; createdAt: string }
interface AliasView { name: string; version: number; description: string; updatedAt: string }

export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish $LATEST as a numbered version (returns the existing one if unchanged)',
  usage: 'skyscale publish --name NAME',
  options: { ...NAME_OPTION },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const { version } = await ctx.client().json<{ version: VersionView }>('POST', `/v1/functions/${encodeURIComponent(name)}/publish`);
    ctx.out(ctx.json ? JSON.stringify(version) : `Published ${name} version ${version.version} (sha256 ${version.codeSha256.slice(0, 12)})`);
    return 0;
  },
};

export const aliasCommand: Command = {
  name: 'alias',
  summary: 'point an alias at a version: alias set ALIAS VERSION | alias list | alias delete ALIAS (with --name)',
  usage: 'skyscale alias set ALIAS VERSION --name NAME | skyscale alias list --name NAME | skyscale alias delete ALIAS --name NAME',
  options: { ...NAME_OPTION, description: { type: 'string' } },
  async run(values, positionals, ctx) {
    // the positionals are the action's, so the function is named with --name only
    const name = requireName(values, [], this.usage);
    const [action, alias, version] = positionals;
    const base = `/v1/functions/${encodeURIComponent(name)}/aliases`;
    if (action === 'list' || action === undefined) {
      const { aliases } = await ctx.client().json<{ aliases: AliasView[] }>('GET', base);
      if (ctx.json) ctx.out(JSON.stringify(aliases));
      else if (!aliases.length) ctx.err(`${name} has no aliases: add one with \`skyscale alias set live 1 --name ${name}\``);
      else ctx.out(table([['ALIAS', 'VERSION', 'UPDATED', 'DESCRIPTION'], ...aliases.map((a) => [a.name, a.version, a.updatedAt, a.description])]));
      return 0;
    }
    if (!alias) throw new CliError('MissingArgument', 'an alias name is required', `usage: ${this.usage}`);
    if (action === 'set') {
      if (!version) throw new CliError('MissingArgument', 'a version number is required', `usage: ${this.usage}`);
      const body = { version: Number(version), ...(values.description !== undefined ? { description: values.description } : {}) };
      const res = await ctx.client().json<{ alias: AliasView }>('PUT', `${base}/${encodeURIComponent(alias)}`, body);
      ctx.out(ctx.json ? JSON.stringify(res.alias) : `${name}:${alias} → version ${res.alias.version}`);
      return 0;
    }
    if (action === 'delete') {
      await ctx.client().request('DELETE', `${base}/${encodeURIComponent(alias)}`);
      ctx.out(ctx.json ? JSON.stringify({ deleted: alias }) : `Deleted alias ${name}:${alias}`);
      return 0;
    }
    throw new CliError('InvalidArguments', `unknown alias action "${action}"`, `usage: ${this.usage}`);
  },
};

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'move an alias (--alias) or $LATEST back to the previous published version',
  usage: 'skyscale rollback --name NAME [--alias ALIAS]',
  options: { ...NAME_OPTION, alias: { type: 'string', short: 'a' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const alias = values.alias as string | undefined;
    const { rollback } = await ctx.client().json<{ rollback: { from: number; to: number } }>('POST', `/v1/functions/${encodeURIComponent(name)}/rollback`, alias ? { alias } : {});
    ctx.out(ctx.json ? JSON.stringify(rollback) : `${alias ? `${name}:${alias}` : `${name} ($LATEST)`} rolled back from version ${rollback.from} to ${rollback.to}`);
    return 0;
  },
};
