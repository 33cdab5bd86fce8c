// A function's dependencies, built on the server at deploy time: which manifest a
// package carries (requirements.txt for Python; package.json, with package-lock.json
// when there is one, for Node.js), the key its build is cached under, and the limits
// a build runs within. The build itself runs in a sandbox (src/dependencies/).
import { createHash } from 'node:crypto';

export type DependencyKind = 'pip' | 'npm';

export interface DependencyManifest {
  kind: DependencyKind;
  /** the manifest files, by name, as the package carries them (the cache key hashes them) */
  files: Record<string, Buffer>;
}

export interface BuildLimits {
  /** wall time of one build (the installer and packing its output) */
  timeoutMs: number;
  /** the installed dependencies, unpacked */
  maxBytes: number;
  /** the build sandbox's memory */
  memoryMb: number;
}

export const DEFAULT_BUILD_LIMITS: BuildLimits = { timeoutMs: 300_000, maxBytes: 200 * 1024 * 1024, memoryMb: 1024 };

/** The hosts a build may reach by default: the public Python and npm package indexes. */
export const DEFAULT_BUILD_HOSTS: readonly string[] = ['pypi.org', 'files.pythonhosted.org', 'registry.npmjs.org'];

/** What a build gives back: the installed tree (a tar.gz rooted at the package root), and the installer's log. */
export interface BuiltDependencies {
  archive: Buffer;
  log: string;
  /** served from the cache: nothing ran */
  cached: boolean;
  key: string;
}

/** Builds a package's dependencies; the registry calls it while it canonicalizes a deploy's package. */
export interface DependencyBuilder {
  build(runtime: string, manifest: DependencyManifest): Promise<BuiltDependencies>;
}

/**
 * The manifest of a package's top-level files, or null when there is nothing to
 * install: requirements.txt with at least one requirement (Python), package.json with
 * at least one dependency (Node.js).
 */
export function dependencyManifest(runtime: string, topFiles: ReadonlyMap<string, Buffer>): DependencyManifest | null {
  if (runtime.startsWith('nodejs')) {
    const pkg = topFiles.get('package.json');
    if (!pkg || !hasNpmDependencies(pkg)) return null;
    const lock = topFiles.get('package-lock.json');
    return { kind: 'npm', files: { 'package.json': pkg, ...(lock ? { 'package-lock.json': lock } : {}) } };
  }
  const req = topFiles.get('requirements.txt');
  if (!req || requirementLines(req.toString('utf8')).length === 0) return null;
  return { kind: 'pip', files: { 'requirements.txt': req } };
}

/** Lines of a requirements file that name something to install. */
export function requirementLines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/(^|\s)#.*/, '').trim()).filter(Boolean);
}

function hasNpmDependencies(pkg: Buffer): boolean {
  try {
    const parsed = JSON.parse(pkg.toString('utf8')) as { dependencies?: unknown };
    return typeof parsed.dependencies === 'object' && parsed.dependencies !== null && Object.keys(parsed.dependencies).length > 0;
  } catch {
    return true; // the installer says what is wrong with it, in its own words
  }
}

/** The cache key of a build: the runtime and the manifest files' names and contents. */
export function buildCacheKey(runtime: string, manifest: DependencyManifest): string {
  const h = createHash('sha256').update(`skyscale-deps 1\0${runtime}\0${manifest.kind}\0`);
  for (const name of Object.keys(manifest.files).sort()) {
    const content = manifest.files[name]!;
    h.update(`${name}\0${content.length}\0`).update(content);
  }
  return h.digest('hex');
}
