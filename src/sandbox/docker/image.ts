// The runtime image of the docker drivers: skyscale/runtime:<recipe hash>, imported
// (`docker import`, through the Engine API) from the root filesystem scripts/setup/rootfs.sh
// built, when the engine lacks it; the engine's image store keeps it. No registry.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { SkyscaleError } from '../../errors.js';
import type { SandboxImage } from '../../model/node-status.js';
import { LABEL_IMAGE, LABEL_IMAGE_FORMAT, LABEL_RECIPE } from './container-spec.js';
import type { Engine, ImageSummary } from './engine.js';

export const IMAGE_REPO = 'skyscale/runtime';

/** skyscale/runtime:<recipe hash>: the root filesystem directory is named by its recipe's hash. */
export function imageTag(rootfs: string): string {
  return `${IMAGE_REPO}:${basename(rootfs)}`;
}

/**
 * How the image is made from the root filesystem; a new value makes every node import
 * its image again (an image of another format is replaced under the same tag).
 * 2: /var/task is world-writable with the sticky bit, as /tmp (runc gives a tmpfs the
 * mode of the image's directory under it, not the mode asked for).
 */
export const IMAGE_FORMAT = '2';

/**
 * The runtime image, made when the engine lacks it: `docker import` of the root
 * filesystem (a tar stream of the directory) through the API. The agent is not in it
 * (the kit is mounted), so only a new root filesystem recipe makes a new image.
 */
export async function ensureImage(engine: Engine, rootfs: string, log: Logger): Promise<{ tag: string; built: boolean }> {
  const tag = imageTag(rootfs);
  const have = await engine.inspectImage(tag);
  if (have && have.Config?.Labels?.[LABEL_IMAGE_FORMAT] === IMAGE_FORMAT) return { tag, built: false };
  log.info({ image: tag }, 'importing the sandbox root filesystem into the Docker engine');
  const staging = mkdtempSync(join(tmpdir(), 'skyscale-image-'));
  mkdirSync(join(staging, 'var', 'task'), { recursive: true });
  chmodSync(join(staging, 'var', 'task'), 0o1777);
  // the staged /var/task first; the root filesystem's own is left out (a positional --exclude)
  const tar = spawn('tar', ['--numeric-owner', '-cf', '-', '-C', staging, './var/task', '--exclude=./var/task', '-C', rootfs, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tarErr = '';
  tar.stderr.on('data', (c: Buffer) => { tarErr = (tarErr + c.toString('utf8')).slice(-2000); });
  const tarExit = new Promise<number | null>((r) => tar.on('close', (code) => r(code)));
  try {
    await engine.importImage(tar.stdout, IMAGE_REPO, tag.slice(IMAGE_REPO.length + 1), { [LABEL_IMAGE]: 'runtime', [LABEL_RECIPE]: basename(rootfs), [LABEL_IMAGE_FORMAT]: IMAGE_FORMAT });
    const code = await tarExit;
    if (code !== 0) throw new Error(`tar of the root filesystem exited with ${code}`);
  } catch (err) {
    tar.kill();
    // the engine keeps what it read of a tar that failed half-way: never leave that under the tag
    await engine.removeImage(tag).catch(() => undefined);
    const tail = tarErr.trim().split('\n').slice(-5).join(' | ');
    throw new SkyscaleError('SandboxImageBuildFailed', `building the sandbox image ${tag} failed: ${(err as Error).message}${tail ? ` (tar: ${tail})` : ''}`, {
      hint: 'check the root filesystem (scripts/setup/rootfs.sh) and the engine\'s log, then run scripts/setup.sh', cause: err,
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { tag, built: true };
}

/** The engine's Skyscale images, for `skyscale images` and GET /v1/images. */
export async function listRuntimeImages(engine: Engine, runtimes: string[]): Promise<SandboxImage[]> {
  const images: ImageSummary[] = await engine.listImages(`${LABEL_IMAGE}=runtime`);
  return images.flatMap((i) => (i.RepoTags ?? []).filter((t) => t.startsWith(`${IMAGE_REPO}:`)).map((tag) => ({
    tag, created: new Date(i.Created * 1000).toISOString(), sizeBytes: i.Size, runtimes,
  })));
}
