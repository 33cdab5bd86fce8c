// Builds a function's dependencies on the server, at deploy time, in a sandbox of the
// target runtime (its own interpreter and libc, from the sandbox image): the package's
// manifest and a small build handler (runtimes/dependencies/) are loaded like a function's
// code, and one invocation runs pip or npm. The sandbox's network reaches the package
// indexes alone (its link is held to their addresses: never the control plane, the
// host, other sandboxes or private ranges unless an index is configured there); the
// invocation's timeout is the build's time limit; the handler refuses an installed
// tree over the size limit. The result, a tar.gz of the installed tree, is read back
// in pieces under the 6 MB answer limit and cached by (runtime, manifest) in the data
// directory, so a deploy with the same requirements runs nothing.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SkyscaleError } from '../errors.js';
import { buildCacheKey, type BuildLimits, type BuiltDependencies, type DependencyBuilder, type DependencyManifest } from '../model/dependency-build.js';
import { LOG_LIMIT_BYTES } from '../model/limits.js';
import type { InvokeResult } from '../sandbox/agent-channel.js';
import type { Sandbox, SandboxDriver } from '../sandbox/driver.js';
import { writeTar } from '../registry/tar-writer.js';

export interface SandboxBuilderOptions {
  driver: SandboxDriver;
  /** holds build-cache/ */
  dataDir: string;
  /** runtimes/dependencies/ */
  handlersDir: string;
  limits: BuildLimits;
  /** the index hosts a build may reach (names or addresses, as allow entries) */
  hosts: readonly string[];
  /** a private Python index (pip --index-url), or null for PyPI */
  pipIndexUrl: string | null;
  /** a private npm registry (npm --registry), or null for registry.npmjs.org */
  npmRegistry: string | null;
  /** PEM certificates the installers trust besides the image's (skyscale-ca.pem beside the build step), or null */
  caFile: string | null;
  log: Logger;
}

/** Raw bytes read back per invocation: 4 MB, 5.3 MB as base64, under the 6 MB answer limit. */
const PIECE_BYTES = 4 * 1024 * 1024;
/** Lines of the installer's output an error message carries. */
const ERROR_LINES = 12;

export class SandboxDependencyBuilder implements DependencyBuilder {
  private readonly cacheDir: string;
  /** builds of one key at once share one run */
  private readonly running = new Map<string, Promise<BuiltDependencies>>();

  constructor(private readonly o: SandboxBuilderOptions) {
    this.cacheDir = join(o.dataDir, 'build-cache');
  }

  async build(runtime: string, manifest: DependencyManifest): Promise<BuiltDependencies> {
    const key = buildCacheKey(runtime, manifest);
    const cached = this.fromCache(key);
    if (cached) return cached;
    let run = this.running.get(key);
    if (!run) {
      run = this.buildInSandbox(runtime, manifest, key).finally(() => this.running.delete(key));
      this.running.set(key, run);
    }
    return run;
  }

  private fromCache(key: string): BuiltDependencies | null {
    const archive = join(this.cacheDir, `${key}.tar.gz`);
    if (!existsSync(archive)) return null;
    const logFile = join(this.cacheDir, `${key}.log`);
    return { archive: readFileSync(archive), log: existsSync(logFile) ? readFileSync(logFile, 'utf8') : '', cached: true, key };
  }

  private async buildInSandbox(runtime: string, manifest: DependencyManifest, key: string): Promise<BuiltDependencies> {
    const { driver, limits, log } = this.o;
    if (!driver.capabilities.isolated || !driver.capabilities.outboundNetwork) {
      throw new SkyscaleError('DependencyBuildUnavailable', `this server cannot build dependencies: its ${driver.name} sandboxes ${driver.capabilities.isolated ? 'have no outbound network' : 'are not isolated'}`, {
        hint: 'run the server as root with gVisor (scripts/setup.sh), or deploy a package that already holds its dependencies (skyscale deploy --local-deps)',
      });
    }
    const started = Date.now();
    let sandbox: Sandbox | null = null;
    try {
      sandbox = await driver.start({ id: `build-${randomUUID().slice(0, 8)}`, memoryMb: limits.memoryMb, network: 'outbound' });
      if (!sandbox.egress) throw new SkyscaleError('DependencyBuildUnavailable', 'the build sandbox came without its network');
      await sandbox.egress.restrict(this.o.hosts);
      const node = manifest.kind === 'npm';
      const handlerFile = node ? 'skyscale_build.mjs' : 'skyscale_build.py';
      const code = writeTar([
        { path: handlerFile, kind: 'file', executable: false, content: readFileSync(join(this.o.handlersDir, handlerFile)) },
        ...Object.entries(manifest.files).map(([path, content]) => ({ path, kind: 'file' as const, executable: false, content })),
        ...(this.o.caFile ? [{ path: 'skyscale-ca.pem', kind: 'file' as const, executable: false, content: readFileSync(this.o.caFile) }] : []),
      ]);
      const names = { invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:skyscale-build', logGroupName: '/skyscale/build', logStreamName: key.slice(0, 16) };
      const init = await sandbox.channel.init({
        runtime, handler: 'skyscale_build.handler', codeSha256: createHash('sha256').update(code).digest('hex'), functionName: 'skyscale-build', functionVersion: '1',
        memoryMb: limits.memoryMb, timeoutMs: limits.timeoutMs, env: {}, logLimitBytes: LOG_LIMIT_BYTES, ...names,
      }, code, 60_000);
      if (!init.ok) throw new SkyscaleError('DependencyBuildFailed', `the build sandbox could not load its build step: ${init.error?.errorMessage ?? 'init failed'}`);
      const event = { step: 'install', maxBytes: limits.maxBytes, ...(node ? (this.o.npmRegistry ? { registry: this.o.npmRegistry } : {}) : (this.o.pipIndexUrl ? { indexUrl: this.o.pipIndexUrl } : {})) };
      const result = await this.invoke(sandbox, event, limits.timeoutMs, names.invokedFunctionArn);
      const answer = parseAnswer(result);
      const installer = node ? 'npm' : 'pip';
      const manifestName = node ? 'package.json' : 'requirements.txt';
      if (result.status === 'timeout' || answer?.timedOut) {
        throw new SkyscaleError('DependencyBuildTimeout', `installing ${manifestName} ran past the build's time limit of ${Math.round(limits.timeoutMs / 1000)} s${tail(answer?.log ?? result.log)}`, {
          hint: 'raise SKYSCALE_BUILD_TIMEOUT_S, or trim the dependencies', details: { log: lastLines(answer?.log ?? result.log, 40) },
        });
      }
      if (!answer) throw new SkyscaleError('DependencyBuildFailed', `the build step failed (${result.status})${tail(result.log)}`, { details: { log: lastLines(result.log, 40) } });
      if (answer.tooLarge) {
        throw new SkyscaleError('DependencyBuildTooLarge', `the installed dependencies take ${mb(answer.bytes ?? 0)}, over the build's limit of ${mb(limits.maxBytes)}`, {
          hint: 'raise SKYSCALE_BUILD_MAX_MB, or trim the dependencies', details: { log: lastLines(answer.log, 40) },
        });
      }
      if (!answer.ok) {
        throw new SkyscaleError('DependencyBuildFailed', `${installer} could not install ${manifestName}${tail(answer.log)}`, {
          hint: `fix ${manifestName} (the lines above are ${installer}'s own); the function keeps its previous version`, details: { log: lastLines(answer.log, 40) },
        });
      }
      const archive = await this.readArchive(sandbox, answer.archiveBytes ?? 0, names.invokedFunctionArn);
      const built = `${answer.log.trimEnd()}\n[build] ${manifest.kind === 'npm' ? 'node_modules' : 'dependencies'}: ${mb(answer.bytes ?? 0)} installed in ${((Date.now() - started) / 1000).toFixed(1)} s (${runtime})\n`;
      this.store(key, archive, built);
      log.info({ runtime, key, bytes: answer.bytes, ms: Date.now() - started }, 'dependencies built');
      return { archive, log: built, cached: false, key };
    } catch (err) {
      if (err instanceof SkyscaleError) throw err;
      throw new SkyscaleError('DependencyBuildFailed', `the build sandbox failed: ${(err as Error).message}`, { cause: err });
    } finally {
      await sandbox?.stop();
    }
  }

  private invoke(sandbox: Sandbox, event: unknown, timeoutMs: number, arn: string): Promise<InvokeResult> {
    return sandbox.channel.invoke({ requestId: randomUUID(), deadlineMs: Date.now() + timeoutMs, timeoutMs, invokedFunctionArn: arn }, Buffer.from(JSON.stringify(event)), timeoutMs + 10_000);
  }

  private async readArchive(sandbox: Sandbox, size: number, arn: string): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < size; offset += PIECE_BYTES) {
      const r = await this.invoke(sandbox, { step: 'read', offset, length: PIECE_BYTES }, 60_000, arn);
      if (r.status !== 'ok') throw new SkyscaleError('DependencyBuildFailed', `reading the built dependencies back failed (${r.status})${tail(r.log)}`);
      pieces.push(Buffer.from(JSON.parse(r.payload.toString('utf8')) as string, 'base64'));
    }
    const archive = Buffer.concat(pieces);
    if (archive.length !== size) throw new SkyscaleError('DependencyBuildFailed', `the built dependencies came back as ${archive.length} bytes, not ${size}`);
    return archive;
  }

  /** Written beside and renamed into place: a key's archive in the cache is always whole. */
  private store(key: string, archive: Buffer, log: string): void {
    mkdirSync(this.cacheDir, { recursive: true });
    const tmp = join(this.cacheDir, `.${key}.${process.pid}.tmp`);
    writeFileSync(join(this.cacheDir, `${key}.log`), log);
    writeFileSync(tmp, archive);
    renameSync(tmp, join(this.cacheDir, `${key}.tar.gz`));
  }
}

interface BuildAnswer {
  ok: boolean;
  timedOut?: boolean;
  tooLarge?: boolean;
  bytes?: number;
  archiveBytes?: number;
  log: string;
}

function parseAnswer(r: InvokeResult): BuildAnswer | null {
  if (r.status !== 'ok') return null;
  try {
    const a = JSON.parse(r.payload.toString('utf8')) as BuildAnswer;
    return typeof a === 'object' && a !== null && typeof a.ok === 'boolean' ? { ...a, log: String(a.log ?? '') } : null;
  } catch {
    return null;
  }
}

/** The last `n` non-empty lines of an installer's output. */
export function lastLines(text: string, n: number): string {
  return text.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(-n).join('\n');
}

function tail(text: string): string {
  const lines = lastLines(text, ERROR_LINES);
  return lines ? `:\n${lines}` : '';
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
