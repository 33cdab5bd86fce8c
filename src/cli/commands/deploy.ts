// skyscale deploy --name N: packages ./N (or --dir) and deploys it with the settings of
// its skyscale.json in one request, so the new version is that code with those
// settings even when someone else deploys at the same time; the function is created
// if it does not exist yet. `--secret NAME` adds NAME as a secret env value taken from
// the deploying shell's environment, so the value need not be written in a file.
import { CliError } from '../cli-error.js';
import { dependencyManifestHere, readFunctionFolder, packageFolder } from '../function-folder.js';
import { terminalSafe } from '../terminal-text.js';
import { folderOf } from '../function-here.js';
import { NAME_OPTION, requireName, type Command, type Values } from '../command.js';

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'package a function folder and deploy it as a new version',
  usage: 'skyscale deploy --name NAME [--dir PATH] [--secret ENV_NAME ...] [--local-deps]',
  options: { ...NAME_OPTION, dir: { type: 'string' }, secret: { type: 'string', multiple: true }, 'local-deps': { type: 'boolean' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const folder = readFunctionFolder(folderOf(name, values.dir as string | undefined), secretsFromEnvironment(values, ctx.env));
    const progress = (msg: string) => { if (!ctx.json) ctx.err(`… ${msg}`); };
    progress(`packaging ${folder.dir}`);
    // the server installs requirements.txt / package.json in a sandbox of the runtime;
    // --local-deps installs them here (pip) or ships node_modules, for a server that cannot build
    const localDeps = values['local-deps'] === true;
    const zip = await packageFolder(folder.dir, progress, folder.settings.runtime, localDeps ? 'local' : 'server');
    if (!localDeps && dependencyManifestHere(folder.dir, folder.settings.runtime)) progress('the server installs the dependencies (cached after the first build)');
    const s = folder.settings;
    const settings = {
      runtime: s.runtime, handler: s.handler, memory: s.memoryMb, timeout: s.timeoutS, description: s.description,
      env: { ...s.env, ...Object.fromEntries(Object.entries(s.secretEnv).map(([k, v]) => [k, { secret: v }])) },
      ...(folder.raw.minWarm !== undefined ? { minWarm: folder.raw.minWarm } : {}),
      ...(folder.raw.async !== undefined ? { async: folder.raw.async } : {}),
      // unset: a new function gets the server's default, an existing one keeps its own
      ...(folder.raw.network !== undefined ? { network: s.network } : {}),
      ...(folder.raw.allow !== undefined ? { allow: s.allow } : {}),
    };
    progress(`uploading ${(zip.length / 1024).toFixed(1)} KiB`);
    const { version, build } = await ctx.client().json<{ version: { version: number; codeSha256: string; codeSize: number; runtimeNote?: string }; build?: { cached: boolean; log: string } }>(
      'POST', `/v1/functions/${encodeURIComponent(folder.name)}/versions`, zip, {
        'content-type': 'application/zip', 'skyscale-settings': headerJson(settings), ...(localDeps ? { 'skyscale-dependencies': 'included' } : {}),
      });
    // a runtime another stands in for (python3.8 on the image's 3.11): said on every deploy
    if (version.runtimeNote && !ctx.json) ctx.err(`warning: ${version.runtimeNote}`);
    if (build && !ctx.json) ctx.err(build.cached ? '… dependencies: the same as a build before (cached)' : `… dependency build (last lines):\n${terminalSafe(build.log.split('\n').filter((l) => l.trim()).slice(-8).join('\n'))}`);
    if (ctx.json) ctx.out(JSON.stringify({ function: folder.name, ...version, ...(build ? { build } : {}) }));
    else ctx.out(`Deployed ${folder.name} version ${version.version} (sha256 ${version.codeSha256.slice(0, 12)}, ${version.codeSize} bytes)\nInvoke: skyscale invoke --name ${folder.name} --payload '{}'`);
    return 0;
  },
};

/** --secret NAME (repeated): each NAME's value in this shell's environment. */
function secretsFromEnvironment(values: Values, env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of (values.secret as string[] | undefined) ?? []) {
    const value = env[name];
    if (value === undefined) throw new CliError('MissingSecret', `--secret ${name}: ${name} is not set in this environment`, `export ${name}=… before deploying, or write it in skyscale.json as {"secret": "…"}`);
    out[name] = value;
  }
  return out;
}

/** JSON on one line of ASCII, as a header value must be (other characters as \u escapes). */
function headerJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
