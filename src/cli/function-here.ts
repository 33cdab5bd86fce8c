// Which function a command means when it is not named: the one whose folder the
// current directory is. Small and free of the packaging code, so every command can ask.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const METADATA_FILES = ['skyscale.json', 'skyscale_config.json'];

/**
 * The function whose folder the current directory is: the name in its skyscale.json
 * (or skyscale_config.json), else the folder's own name; null when the current
 * directory holds no such file (or it cannot be read: the command then asks for a name).
 */
export function functionHere(cwd = process.cwd()): string | null {
  const file = METADATA_FILES.map((f) => join(cwd, f)).find((f) => existsSync(f));
  if (!file) return null;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown };
    if (typeof raw.name === 'string' && raw.name) return raw.name;
  } catch {
    return null;
  }
  return resolve(cwd).split('/').pop() ?? null;
}

/** The folder of function `name`: --dir, else ./NAME, else the current directory when it is that function's folder. */
export function folderOf(name: string, dirOption: string | undefined, cwd = process.cwd()): string {
  if (dirOption !== undefined) return dirOption;
  if (!existsSync(join(cwd, name)) && functionHere(cwd) === name) return cwd;
  return name;
}

