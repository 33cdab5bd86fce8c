// A function's folder on the user's disk: its metadata file (skyscale.json, or the
// seeds' skyscale_config.json) and its packaging into a zip, with the dependencies
// from requirements.txt installed beside the code. Secret env values are read here as
// they are written (`deploy` sends them to the server, which seals them; `test` runs
// with them on this machine).
import { existsSync, readFileSync, readdirSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import yazl from 'yazl';
import { CliError } from './cli-error.js';
import { METADATA_FILES } from './function-here.js';
import { normalizeSettings, validateFunctionName, type RawFunctionConfig, type SecretSealer } from '../model/function-config.js';
import type { FunctionSettings } from '../model/function.js';
import { dependencyManifest } from '../model/dependency-build.js';

const SKIP = new Set(['__pycache__', '.git', '.skyscale', 'node_modules', '.venv', '.DS_Store']);
/** A Node.js function's dependencies travel in its package, as on Lambda. */
const SKIP_FOR_NODE = new Set([...SKIP].filter((n) => n !== 'node_modules'));

export interface FunctionFolder {
  dir: string;
  name: string;
  raw: RawFunctionConfig;
  /** `secretEnv` holds the secret values themselves: nothing is stored on this side */
  settings: FunctionSettings;
}

/** On the user's own machine a secret is kept as it is, to be sent (deploy) or run with (test). */
const AS_WRITTEN: SecretSealer = { seal: (_key, plaintext) => plaintext, open: (_key, value) => value };

/** `secrets` are added to the env as secret values (`deploy --secret NAME`). */
export function readFunctionFolder(dirArg: string, secrets: Record<string, string> = {}): FunctionFolder {
  const dir = resolve(dirArg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError('FolderNotFound', `there is no function folder at ${dir}`, `create one with \`skyscale init --name ${dirArg}\``);
  }
  const file = METADATA_FILES.map((f) => join(dir, f)).find((f) => existsSync(f));
  let raw: RawFunctionConfig & { name?: unknown } = {};
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as RawFunctionConfig;
    } catch (err) {
      throw new CliError('InvalidFunctionConfig', `${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CliError('InvalidFunctionConfig', `${file} must hold a JSON object`);
  }
  if (Object.keys(secrets).length && (raw.env === undefined || (typeof raw.env === 'object' && raw.env !== null && !Array.isArray(raw.env)))) {
    raw = { ...raw, env: { ...(raw.env as Record<string, unknown> | undefined), ...Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, { secret: v }])) } };
  }
  const name = raw.name ?? dir.split('/').pop();
  const problems = validateFunctionName(name);
  if (problems.length) throw new CliError('InvalidFunctionConfig', `${file ?? dir}: ${problems[0]}`);
  try {
    return { dir, name: name as string, raw, settings: normalizeSettings(raw, undefined, file ?? 'the function settings', AS_WRITTEN) };
  } catch (err) {
    throw new CliError('InvalidFunctionConfig', (err as Error).message);
  }
}

/** Lines of requirements.txt that name something to install. */
export function requirements(dir: string): string[] {
  const file = join(dir, 'requirements.txt');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
}

/** Does the folder carry dependencies to install (requirements.txt, or package.json with dependencies)? */
export function dependencyManifestHere(dir: string, runtime: string): boolean {
  const top = new Map<string, Buffer>();
  for (const f of ['requirements.txt', 'package.json', 'package-lock.json']) if (existsSync(join(dir, f))) top.set(f, readFileSync(join(dir, f)));
  return dependencyManifest(runtime, top) !== null;
}

/**
 * Zips the folder. The metadata file stays out: its settings travel with the deploy,
 * and secret values written in it must not end up in the code. Dependencies:
 * `local` (skyscale test, which runs here) installs requirements.txt with this
 * machine's pip into the zip and keeps a Node.js folder's node_modules; `server`
 * (deploy) leaves them to the server's build, which installs them for the sandbox's
 * own interpreter and libc (node_modules stays out when package.json lists
 * dependencies).
 */
export async function packageFolder(dir: string, progress: (msg: string) => void = () => {}, runtime = 'python3.11', deps: 'local' | 'server' = 'local'): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const serverBuilds = deps === 'server' && dependencyManifestHere(dir, runtime);
  const skip = runtime.startsWith('nodejs') && !serverBuilds ? SKIP_FOR_NODE : SKIP;
  addTree(zip, dir, dir, new Set(METADATA_FILES), skip);
  let depsDir: string | null = null;
  if (deps === 'local' && !runtime.startsWith('nodejs') && requirements(dir).length) {
    depsDir = mkdtempSync(join(tmpdir(), 'skyscale-deps-'));
    progress(`installing ${requirements(dir).length} requirement(s) from requirements.txt`);
    const pip = spawnSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-compile', '--target', depsDir, '-r', join(dir, 'requirements.txt')], { encoding: 'utf8' });
    if (pip.status !== 0) {
      rmSync(depsDir, { recursive: true, force: true });
      throw new CliError('DependencyInstallFailed', `installing requirements.txt failed: ${(pip.stderr || pip.stdout || '').trim().split('\n').slice(-3).join(' ')}`);
    }
    addTree(zip, depsDir, depsDir, new Set(), skip);
  }
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((res, rej) => {
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => res(Buffer.concat(chunks)));
    zip.outputStream.on('error', rej);
  });
  zip.end();
  const bytes = await done;
  if (depsDir) rmSync(depsDir, { recursive: true, force: true });
  return bytes;
}

/** `skipAtTop`: names left out at the top of the tree only. */
function addTree(zip: yazl.ZipFile, root: string, dir: string, skipAtTop: Set<string>, skip: Set<string>): void {
  for (const name of readdirSync(dir).sort()) {
    if (skip.has(name) || name.endsWith('.pyc') || (dir === root && skipAtTop.has(name))) continue;
    const path = join(dir, name);
    const st = statSync(path);
    const rel = relative(root, path);
    if (st.isDirectory()) addTree(zip, root, path, skipAtTop, skip);
    else if (st.isFile()) zip.addFile(path, rel, { mtime: new Date(0), mode: st.mode & 0o111 ? 0o100755 : 0o100644 });
  }
}
