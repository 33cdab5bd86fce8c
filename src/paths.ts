// Where the repository's own files are, wherever the compiled code runs from
// (src/*.ts runs as dist/src/*.js, two levels below the root).
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, here.includes(`${'/'}dist${'/'}`) ? '../..' : '..');

export function repoPath(...parts: string[]): string {
  return resolve(REPO_ROOT, ...parts);
}
