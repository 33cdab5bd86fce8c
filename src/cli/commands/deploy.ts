// skyscale deploy --name N: packages ./N (or --dir), creates or updates the function's
// settings from skyscale.json, uploads the package as a new version.
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
    const client = ctx.client();
    const s = folder.settings;
    await client.json('PUT', `/v1/functions/${encodeURIComponent(folder.name)}`, {
      runtime: s.runtime, handler: s.handler, memory: s.memoryMb, timeout: s.timeoutS, env: s.env, description: s.description,
      ...(folder.raw.minWarm !== undefined ? { minWarm: folder.raw.minWarm } : {}),
      // unset: a new function gets the server's default, an existing one keeps its own
      ...(folder.raw.network !== undefined ? { network: s.network } : {}),
      ...(folder.raw.allow !== undefined ? { allow: s.allow } : {}),
    });
    progress(`uploading ${(zip.length / 1024).toFixed(1)} KiB`);
    const { version } = await client.json<{ version: { version: number; codeSha256: string; codeSize: number } }>(
      'POST', `/v1/functions/${encodeURIComponent(folder.name)}/versions`, zip, { 'content-type': 'application/zip' });
    if (ctx.json) ctx.out(JSON.stringify({ function: folder.name, ...version }));
    else ctx.out(`Deployed ${folder.name} version ${version.version} (sha256 ${version.codeSha256.slice(0, 12)}, ${version.codeSize} bytes)\nInvoke: skyscale invoke --name ${folder.name} --payload '{}'`);
    return 0;
  },
};
