// The sandbox kit: one folder that every gvisor and namespace sandbox mounts read-only
// at /opt/skyscale, holding the agent and the built-in runtimes (runtime/python,
// runtime/node) and nothing else of the checkout. The Python runtime's modules are compiled into it here, when they changed: the agent runs Python with PYTHONDONTWRITEBYTECODE=1 and the kit is read-only,
// so without these .pyc files every cold start would compile the runtime again.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

const run = promisify(execFile);

/** Where sandboxes see the kit. */
export const KIT_MOUNT = '/opt/skyscale';
/** The Python runtime's package, beside its bootstrap.py. */
const PYTHON_PACKAGE = 'skyscale_runtime';

export interface KitSources {
  dataDir: string;
  agentPath: string;
  pythonBootstrap: string;
  /** runtimes/node/bootstrap.mjs: it and its lib/ are copied as they are */
  nodeBootstrap: string;
  /** the sandboxes' root filesystem, whose python3 compiles the runtime */
  rootfs: string;
  /** bubblewrap, to run that python3 as in a sandbox; without it the host's python3 compiles */
  bwrap: string | undefined;
  hostPython: string;
  log: Logger;
}

export async function prepareKit(s: KitSources): Promise<string> {
  const kit = join(s.dataDir, 'kit');
  const python = join(kit, 'runtime', 'python');
  mkdirSync(join(kit, 'bin'), { recursive: true });
  copyFileSync(s.agentPath, join(kit, 'bin', 'skyscale-agent'));
  chmodSync(join(kit, 'bin', 'skyscale-agent'), 0o755);
  copyNodeRuntime(s, kit);
  // Replaced whole when its sources or the interpreter that compiles it change (an
  // unchecked-hash .pyc is never compared with its source, so none may outlive a change
  // of it); kept as it is otherwise, so a restart compiles nothing.
  const stamp = join(python, '.sources-sha256');
  const sources = pythonSourcesDigest(s);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === sources) return kit;
  rmSync(python, { recursive: true, force: true });
  mkdirSync(python, { recursive: true });
  copyFileSync(s.pythonBootstrap, join(python, 'bootstrap.py'));
  cpSync(join(dirname(s.pythonBootstrap), PYTHON_PACKAGE), join(python, PYTHON_PACKAGE), {
    recursive: true, filter: (src) => basename(src) !== '__pycache__',
  });
  if (await compilePython(s, kit)) writeFileSync(stamp, sources);
  return kit;
}

/** The Node.js runtime: bootstrap.mjs and lib/ (not its tests), replaced whole when they changed. */
function copyNodeRuntime(s: KitSources, kit: string): void {
  const node = join(kit, 'runtime', 'node');
  const lib = join(dirname(s.nodeBootstrap), 'lib');
  const hash = createHash('sha256').update(readFileSync(s.nodeBootstrap));
  for (const name of readdirSync(lib).sort()) hash.update('\0').update(name).update('\0').update(readFileSync(join(lib, name)));
  const stamp = join(node, '.sources-sha256');
  const digest = hash.digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  rmSync(node, { recursive: true, force: true });
  mkdirSync(node, { recursive: true });
  copyFileSync(s.nodeBootstrap, join(node, 'bootstrap.mjs'));
  cpSync(lib, join(node, 'lib'), { recursive: true });
  writeFileSync(stamp, digest);
}

/** A digest of the runtime's sources and of the root filesystem they are compiled for. */
function pythonSourcesDigest(s: KitSources): string {
  const hash = createHash('sha256').update(existsSync(s.rootfs) ? realpathSync(s.rootfs) : s.rootfs).update('\0').update(readFileSync(s.pythonBootstrap));
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === '__pycache__') continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update('\0').update(relative(dirname(s.pythonBootstrap), path)).update('\0').update(readFileSync(path));
    }
  };
  walk(join(dirname(s.pythonBootstrap), PYTHON_PACKAGE));
  return hash.digest('hex');
}

/**
 * Compiles the runtime package to .pyc files. Preferably with the sandboxes' own
 * interpreter (the root filesystem's python3 under bubblewrap, with the kit at its
 * sandbox path), so the bytecode's magic number and the source paths in tracebacks are
 * exactly the sandboxes'. Without bubblewrap the host's python3 compiles, if it is the
 * same Python version as the root filesystem's (Debian bookworm's 3.11): a sandbox only
 * looks for `<module>.cpython-3NN.pyc` of its own version. `unchecked-hash`: the kit is
 * read-only and replaced whole, so checking the source at every import is wasted time.
 * A failure costs start-up time, not correctness (Python then compiles in memory).
 */
/** Returns whether the .pyc files were written. */
async function compilePython(s: KitSources, kit: string): Promise<boolean> {
  const compile = ['-m', 'compileall', '-q', '--invalidation-mode', 'unchecked-hash'];
  try {
    if (s.bwrap && existsSync(join(s.rootfs, 'usr', 'bin', 'python3'))) {
      await run(s.bwrap, ['--unshare-all', '--die-with-parent', '--ro-bind', s.rootfs, '/', '--bind', kit, KIT_MOUNT, '--proc', '/proc', '--dev', '/dev',
        '/usr/bin/python3', ...compile, `${KIT_MOUNT}/runtime/python/${PYTHON_PACKAGE}`], { timeout: 60_000 });
      return true;
    }
    const want = rootfsCacheTag(s.rootfs);
    const { stdout } = await run(s.hostPython, ['-c', 'import sys; print(sys.implementation.cache_tag)'], { timeout: 10_000 });
    if (want && stdout.trim() !== want) {
      s.log.warn({ host: stdout.trim(), sandbox: want }, 'the host\'s python3 is not the sandboxes\' version: the Python runtime is compiled at every cold start');
      return false;
    }
    await run(s.hostPython, [...compile, join(kit, 'runtime', 'python', PYTHON_PACKAGE)], { timeout: 60_000 });
    return true;
  } catch (err) {
    s.log.warn({ err }, 'compiling the Python runtime into the kit failed: it is compiled at every cold start');
    return false;
  }
}

/** "cpython-311" for a root filesystem with /usr/lib/python3.11; undefined if none is found. */
function rootfsCacheTag(rootfs: string): string | undefined {
  const lib = join(rootfs, 'usr', 'lib');
  const version = existsSync(lib) ? readdirSync(lib).find((d) => /^python3\.\d+$/.test(d)) : undefined;
  return version ? `cpython-${version.replace('python', '').replace('.', '')}` : undefined;
}
