// skyscale images: the sandbox images of the node (the docker drivers make every
// sandbox from skyscale/runtime:<root filesystem recipe hash>), when each was made, its
// size and the engine runtimes that run it.
import { table, type Command } from '../command.js';

interface ImagesView {
  driver: string;
  images: { tag: string; created: string; sizeBytes: number; runtimes: string[] }[];
}

export const imagesCommand: Command = {
  name: 'images',
  summary: "list the node's sandbox images (docker drivers)",
  usage: 'skyscale images',
  options: {},
  async run(_values, _positionals, ctx) {
    const v = await ctx.client().json<ImagesView>('GET', '/v1/images');
    if (ctx.json) {
      ctx.out(JSON.stringify(v));
      return 0;
    }
    if (!v.images.length) {
      ctx.out(`no sandbox images: the ${v.driver} driver uses none (the docker drivers do: SKYSCALE_SANDBOX=docker)`);
      return 0;
    }
    ctx.out(table([['TAG', 'CREATED', 'SIZE', 'RUNTIMES'], ...v.images.map((i) => [i.tag, i.created, `${(i.sizeBytes / 1024 / 1024).toFixed(1)} MB`, i.runtimes.join(', ')])]));
    return 0;
  },
};
