// Turns an uploaded package (zip, tar.gz or tar) into the canonical tar the agent
// receives, refusing anything unsafe or unusable with a message that names the problem:
// not an archive, absolute or `..` paths, links leaving the package, special files,
// more than the unpacked size limit, no file for the handler.
import yauzl from 'yauzl';
import { Parser, type ReadEntry } from 'tar';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';

const gunzipAsync = promisify(gunzip);
import { posix } from 'node:path';
import { SkyscaleError } from '../errors.js';
import { writeTar, type TarEntry } from './tar-writer.js';
import { UNPACKED_LIMIT_BYTES } from '../model/limits.js';

export const MAX_ENTRIES = 20_000;

export interface CanonicalPackage {
  tar: Buffer;
  files: number;
  unpackedBytes: number;
}

interface RawEntry {
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  executable: boolean;
  content: Buffer;
  linkTarget?: string;
  /** tar hard links name their target from the archive root, symlinks from their own folder */
  hardLink?: boolean;
}

export interface PackageLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
}

const DEFAULT_LIMITS: PackageLimits = { maxUnpackedBytes: UNPACKED_LIMIT_BYTES, maxEntries: MAX_ENTRIES };

/** `runtime` says which files the handler may name (module.py for Python, module.js|mjs|cjs for Node.js). */
export async function canonicalizePackage(bytes: Buffer, handler: string, limits: PackageLimits = DEFAULT_LIMITS, runtime = 'python3.11', deps?: DependencyStep): Promise<CanonicalPackage> {
  let raw = await readArchive(bytes, limits);
  const built = deps && await deps(new Map(raw.filter((e) => e.kind === 'file' && !e.path.includes('/')).map((e) => [e.path, e.content])));
  if (built) raw = await withDependencies(raw, built, runtime, limits);
  const entries = resolveLinks(raw);
  checkHandlerFile(entries, handler, runtime);
  const files = entries.filter((e) => e.kind === 'file');
  return {
    tar: writeTar(withParentDirs(entries)),
    files: files.length,
    unpackedBytes: files.reduce((n, e) => n + (e.content?.length ?? 0), 0),
  };
}

/**
 * Given a package's top-level files, builds its dependencies (a tar.gz rooted at the
 * package root), or answers null when there is nothing to build.
 */
export type DependencyStep = (topFiles: ReadonlyMap<string, Buffer>) => Promise<Buffer | null>;

/**
 * The package with its built dependencies: a Node.js package's own node_modules gives
 * way to the built one; otherwise a file of the package wins over a dependency's file
 * of the same path. The whole stays within the unpacked limit.
 */
async function withDependencies(raw: RawEntry[], archive: Buffer, runtime: string, limits: PackageLimits): Promise<RawEntry[]> {
  const own = runtime.startsWith('nodejs') ? raw.filter((e) => e.path !== 'node_modules' && !e.path.startsWith('node_modules/')) : raw;
  const deps = await readArchive(archive, limits);
  const ownBytes = own.reduce((n, e) => n + e.content.length, 0);
  const depBytes = deps.reduce((n, e) => n + e.content.length, 0);
  if (ownBytes + depBytes > limits.maxUnpackedBytes) throw invalid(`the package with its dependencies unpacks to ${mb(ownBytes + depBytes)}, over the limit of ${mb(limits.maxUnpackedBytes)}`);
  if (own.length + deps.length > limits.maxEntries) throw invalid(`the package with its dependencies holds ${own.length + deps.length} entries, over the limit of ${limits.maxEntries}`);
  const ownPaths = new Set(own.map((e) => e.path));
  return [...deps.filter((e) => !ownPaths.has(e.path)), ...own];
}

function invalid(message: string, hint?: string): SkyscaleError {
  return new SkyscaleError('InvalidCodePackage', message, hint ? { hint } : {});
}

async function readArchive(bytes: Buffer, limits: PackageLimits): Promise<RawEntry[]> {
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50) return readZip(bytes, limits);
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x06054b50) throw invalid('the zip archive is empty');
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let tar: Buffer;
    try {
      // off the event loop: invocations keep being served while a large package unpacks
      tar = await gunzipAsync(bytes, { maxOutputLength: limits.maxUnpackedBytes + 64 * 1024 * 1024 });
    } catch (err) {
      throw invalid(`the gzip stream is corrupt or unpacks to more than ${mb(limits.maxUnpackedBytes)}: ${(err as Error).message}`);
    }
    return readTar(tar, limits);
  }
  if (bytes.length >= 512 && bytes.subarray(257, 262).toString('latin1') === 'ustar') return readTar(bytes, limits);
  throw invalid('the package is not a zip, tar.gz or tar archive', 'deploy a folder with `skyscale deploy`, or upload a .zip / .tar.gz of the function folder\'s contents');
}

function normalizePath(raw: string): string {
  if (raw.includes('\0')) throw invalid(`entry name ${JSON.stringify(raw)} contains a NUL byte`);
  if (raw.startsWith('/')) throw invalid(`entry "${raw}" has an absolute path`);
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`entry "${raw}" escapes the package with ".." (path traversal)`);
  return parts.join('/');
}

class SizeBudget {
  private used = 0;
  private count = 0;
  constructor(private readonly limits: PackageLimits) {}
  add(size: number): void {
    this.used += size;
    this.count += 1;
    if (this.used > this.limits.maxUnpackedBytes) throw invalid(`the package unpacks to more than ${mb(this.limits.maxUnpackedBytes)}`);
    if (this.count > this.limits.maxEntries) throw invalid(`the package has more than ${this.limits.maxEntries} entries`);
  }
}

function readZip(bytes: Buffer, limits: PackageLimits): Promise<RawEntry[]> {
  const budget = new SizeBudget(limits);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true, validateEntrySizes: true, decodeStrings: true }, (err, zip) => {
      if (err || !zip) return reject(invalid(`the zip archive is unreadable: ${err?.message ?? 'unknown error'}`));
      const out: RawEntry[] = [];
      const fail = (e: unknown) => {
        zip.close();
        reject(e instanceof SkyscaleError ? e : invalid(`the zip archive is unreadable: ${(e as Error).message}`));
      };
      zip.on('error', fail);
      zip.on('end', () => resolve(out));
      zip.on('entry', (entry: yauzl.Entry) => {
        try {
          const unixMode = (entry.externalFileAttributes >>> 16) & 0o177777;
          const type = unixMode & 0o170000;
          const path = normalizePath(entry.fileName);
          budget.add(entry.uncompressedSize);
          if (entry.fileName.endsWith('/') || type === 0o040000) {
            if (path) out.push({ path, kind: 'dir', executable: false, content: Buffer.alloc(0) });
            return zip.readEntry();
          }
          if (type !== 0 && type !== 0o100000 && type !== 0o120000) throw invalid(`entry "${path}" is a special file (not a regular file, directory or symlink)`);
          zip.openReadStream(entry, (e, stream) => {
            if (e || !stream) return fail(e ?? new Error('no stream'));
            const chunks: Buffer[] = [];
            stream.on('data', (c: Buffer) => chunks.push(c));
            stream.on('error', fail);
            stream.on('end', () => {
              const content = Buffer.concat(chunks);
              if (type === 0o120000) out.push({ path, kind: 'symlink', executable: false, content: Buffer.alloc(0), linkTarget: content.toString('utf8') });
              else out.push({ path, kind: 'file', executable: (unixMode & 0o111) !== 0, content });
              zip.readEntry();
            });
          });
        } catch (e) {
          fail(e);
        }
      });
      zip.readEntry();
    });
  });
}

function readTar(bytes: Buffer, limits: PackageLimits): Promise<RawEntry[]> {
  const budget = new SizeBudget(limits);
  return new Promise((resolve, reject) => {
    const out: RawEntry[] = [];
    let failure: unknown = null;
    const parser = new Parser({ strict: true });
    parser.on('entry', (entry: ReadEntry) => {
      try {
        if (failure) return entry.resume();
        const path = normalizePath(entry.path);
        budget.add(entry.size ?? 0);
        const mode = entry.mode ?? 0o644;
        switch (entry.type) {
          case 'Directory':
            if (path) out.push({ path, kind: 'dir', executable: false, content: Buffer.alloc(0) });
            return entry.resume();
          case 'SymbolicLink':
          case 'Link':
            out.push({ path, kind: 'symlink', executable: false, content: Buffer.alloc(0), linkTarget: entry.linkpath ?? '', hardLink: entry.type === 'Link' });
            return entry.resume();
          case 'File':
          case 'OldFile':
          case 'ContiguousFile': {
            const chunks: Buffer[] = [];
            entry.on('data', (c: Buffer) => chunks.push(c));
            entry.on('end', () => out.push({ path, kind: 'file', executable: (mode & 0o111) !== 0, content: Buffer.concat(chunks) }));
            return;
          }
          default:
            throw invalid(`entry "${path}" is a ${entry.type} (only regular files, directories and symlinks inside the package are allowed)`);
        }
      } catch (e) {
        failure ??= e;
        entry.resume();
      }
    });
    parser.on('warn', (code: string, message: string) => { failure ??= invalid(`the tar archive is corrupt: ${code} ${message}`); });
    parser.on('error', (e: Error) => { failure ??= invalid(`the tar archive is corrupt: ${e.message}`); });
    parser.on('end', () => (failure ? reject(failure) : resolve(out)));
    parser.end(bytes);
  });
}

/**
 * Links are replaced by copies of what they point to, so the agent only ever sees
 * regular files. A link whose target leaves the package, or that points at a
 * directory or nothing, is refused.
 */
function resolveLinks(raw: RawEntry[]): TarEntry[] {
  const files = new Map<string, RawEntry>();
  for (const e of raw) if (e.kind === 'file') files.set(e.path, e);
  const dirs = new Set(raw.filter((e) => e.kind === 'dir').map((e) => e.path));
  const out: TarEntry[] = [];
  for (const e of raw) {
    if (e.kind === 'file') out.push({ path: e.path, kind: 'file', executable: e.executable, content: e.content });
    else if (e.kind === 'dir') out.push({ path: e.path, kind: 'dir' });
    else {
      const target = e.linkTarget ?? '';
      if (!e.hardLink && target.startsWith('/')) throw invalid(`symlink "${e.path}" points outside the package (${target})`);
      const resolved = e.hardLink ? posix.normalize(target) : posix.normalize(posix.join(posix.dirname(e.path), target));
      if (resolved === '..' || resolved.startsWith('../') || resolved.startsWith('/')) throw invalid(`link "${e.path}" points outside the package (${target})`);
      const file = files.get(resolved);
      if (!file) {
        if (dirs.has(resolved)) throw invalid(`symlink "${e.path}" points at a directory (${target}); only links to files are supported`);
        throw invalid(`symlink "${e.path}" points at "${target}", which is not in the package`);
      }
      out.push({ path: e.path, kind: 'file', executable: file.executable, content: file.content });
    }
  }
  return dedupe(out);
}

function dedupe(entries: TarEntry[]): TarEntry[] {
  const byPath = new Map<string, TarEntry>();
  for (const e of entries) {
    const existing = byPath.get(e.path);
    if (existing && existing.kind !== e.kind) throw invalid(`"${e.path}" is both a file and a directory in the package`);
    byPath.set(e.path, e);
  }
  return [...byPath.values()];
}

function withParentDirs(entries: TarEntry[]): TarEntry[] {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  for (const e of entries) {
    for (let dir = posix.dirname(e.path); dir !== '.'; dir = posix.dirname(dir)) {
      const existing = byPath.get(dir);
      if (existing?.kind === 'file') throw invalid(`"${dir}" is both a file and a directory in the package`);
      if (!existing) byPath.set(dir, { path: dir, kind: 'dir' });
    }
  }
  return [...byPath.values()];
}

/**
 * The files a Lambda-style handler string may name. Python: `pkg/mod.fn` or `pkg.mod.fn`
 * → pkg/mod.py. Node.js (as its runtime reads it): `dir/file.fn` or `file.obj.fn` →
 * dir/file.js, .mjs or .cjs.
 */
export function handlerModuleFiles(handler: string, runtime = 'python3.11'): string[] {
  if (runtime.startsWith('nodejs')) {
    const slash = handler.lastIndexOf('/');
    const module = handler.slice(0, slash + 1) + handler.slice(slash + 1).split('.')[0];
    return [`${module}.js`, `${module}.mjs`, `${module}.cjs`];
  }
  const lastDot = handler.lastIndexOf('.');
  const modulePart = handler.slice(0, lastDot);
  const slash = modulePart.lastIndexOf('/');
  const module = modulePart.slice(0, slash + 1) + modulePart.slice(slash + 1).replaceAll('.', '/');
  return [`${module}.py`, `${module}/__init__.py`];
}

function checkHandlerFile(entries: TarEntry[], handler: string, runtime: string): void {
  const candidates = handlerModuleFiles(handler, runtime);
  const files = entries.filter((e) => e.kind === 'file').map((e) => e.path);
  if (candidates.some((c) => files.includes(c))) return;
  const nested = files.find((f) => candidates.some((c) => f.endsWith(`/${c}`)));
  const needs = runtime.startsWith('nodejs') ? candidates.map((c) => `"${c}"`).join(' or ') : `"${candidates[0]}"`;
  throw invalid(
    `the handler "${handler}" needs the file ${needs} at the top of the package, and it is not there`,
    nested ? `found "${nested}": package the folder's contents, not the folder itself` : `the package holds: ${files.slice(0, 10).join(', ') || 'no files'}`,
  );
}

function mb(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}
