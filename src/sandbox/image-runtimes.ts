// The runtimes a sandbox root filesystem carries: its manifest
// (/etc/skyscale/runtimes.json, written by scripts/setup/rootfs.sh), or for an image
// built before the manifest, what its directories show (/usr/lib/python3.N,
// /opt/node<major>/bin/node), with the version as far as the name tells it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RUNTIMES, parseRuntimeManifest, type RuntimeInfo } from '../model/runtimes.js';

export const RUNTIME_MANIFEST = 'etc/skyscale/runtimes.json';

export function imageRuntimes(rootfs: string): RuntimeInfo[] {
  const manifest = join(rootfs, RUNTIME_MANIFEST);
  if (existsSync(manifest)) {
    const parsed = parseRuntimeManifest(readFileSync(manifest, 'utf8'));
    if (parsed) return parsed;
  }
  const found: RuntimeInfo[] = [];
  const lib = join(rootfs, 'usr', 'lib');
  const python = existsSync(lib) ? readdirSync(lib).filter((d) => /^python3\.\d+$/.test(d)).sort().pop() : undefined;
  if (python) found.push({ name: python, language: 'python', version: python.slice('python'.length) });
  const opt = join(rootfs, 'opt');
  for (const d of existsSync(opt) ? readdirSync(opt).sort() : []) {
    const major = /^node(\d+)$/.exec(d)?.[1];
    if (major && existsSync(join(opt, d, 'bin', 'node'))) found.push({ name: `nodejs${major}.x`, language: 'nodejs', version: major });
  }
  return found.length > 0 ? found : [...DEFAULT_RUNTIMES];
}
