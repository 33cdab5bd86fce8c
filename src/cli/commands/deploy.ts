// skyscale deploy --name N: packages ./N (or --dir) and deploys it with the settings of
// its skyscale.json in one request, so the new version is that code with those
// settings even when someone else deploys at the same time; the function is created
// if it does not exist yet.
import { readFunctionFolder, packageFolder } from '../function-folder.js';
import { NAME_OPTION, requireName, type Command } from '../command.js';

export const deployCommand: Command = {
  name: 'deploy',
  summary: 'package a function folder and deploy it as a new version',
  usage: 'skyscale deploy --name NAME [--dir PATH]',
  options: { ...NAME_OPTION, dir: { type: 'string' } },
  async run(values, positionals, ctx) {
    const name = requireName(values, positionals, this.usage);
    const folder = readFunctionFolder((values.dir as string | undefined) ?? name);
    const progress = (msg: string) => { if (!ctx.json) ctx.err(`… ${msg}`); };
    progress(`packaging ${folder.dir}`);
    const zip = await packageFolder(folder.dir, progress);
    const s = folder.settings;
    const settings = {
      runtime: s.runtime, handler: s.handler, memory: s.memoryMb, timeout: s.timeoutS, env: s.env, description: s.description,
      ...(folder.raw.minWarm !== undefined ? { minWarm: folder.raw.minWarm } : {}),
    };
    progress(`uploading ${(zip.length / 1024).toFixed(1)} KiB`);
    const { version } = await ctx.client().json<{ version: { version: number; codeSha256: string; codeSize: number } }>(
      'POST', `/v1/functions/${encodeURIComponent(folder.name)}/versions`, zip, { 'content-type': 'application/zip', 'skyscale-settings': headerJson(settings) });
    if (ctx.json) ctx.out(JSON.stringify({ function: folder.name, ...version }));
    else ctx.out(`Deployed ${folder.name} version ${version.version} (sha256 ${version.codeSha256.slice(0, 12)}, ${version.codeSize} bytes)\nInvoke: skyscale invoke --name ${folder.name} --payload '{}'`);
    return 0;
  },
};

/** JSON on one line of ASCII, as a header value must be (other characters as \u escapes). */
function headerJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
