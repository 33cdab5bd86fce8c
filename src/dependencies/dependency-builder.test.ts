// The build runner on the fake driver: what it asks of the sandbox (outbound network
// held to the index hosts, the build step loaded with the manifest, the archive read
// back in pieces), its cache, and its error shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SkyscaleError } from '../errors.js';
import { DEFAULT_BUILD_LIMITS, type DependencyManifest } from '../model/dependency-build.js';
import { repoPath } from '../paths.js';
import { FakeDriver, type FakeAnswer } from '../../test/fakes/fake-driver.js';
import { SandboxDependencyBuilder } from './dependency-builder.js';

const PIP: DependencyManifest = { kind: 'pip', files: { 'requirements.txt': Buffer.from('markupsafe==2.1.5\n') } };

function setup(answer: (event: { step: string; offset?: number; length?: number }) => FakeAnswer) {
  const driver = new FakeDriver();
  driver.capabilities = { ...driver.capabilities, isolated: true, outboundNetwork: true };
  driver.handler = (call) => answer(JSON.parse(call.event.toString('utf8')));
  const dataDir = mkdtempSync(join(tmpdir(), 'skyscale-build-'));
  const builder = new SandboxDependencyBuilder({
    driver, dataDir, handlersDir: repoPath('runtimes/dependencies'), limits: DEFAULT_BUILD_LIMITS, hosts: ['pypi.org', 'files.pythonhosted.org'],
    pipIndexUrl: null, npmRegistry: null, caFile: null, log: pino({ level: 'silent' }),
  });
  return { driver, dataDir, builder };
}

test('a build runs in a sandbox with network held to the index hosts, reads its archive back in pieces, and is cached', async () => {
  const archive = Buffer.alloc(9 * 1024 * 1024, 7); // three pieces of at most 4 MB
  const reads: number[] = [];
  const { driver, dataDir, builder } = setup((e) => {
    if (e.step === 'install') return { payload: JSON.stringify({ ok: true, bytes: 123, archiveBytes: archive.length, log: 'Successfully installed markupsafe-2.1.5\n' }) };
    reads.push(e.offset!);
    return { payload: JSON.stringify(archive.subarray(e.offset!, e.offset! + e.length!).toString('base64')) };
  });
  const built = await builder.build('python3.11', PIP);
  assert.equal(built.cached, false);
  assert.ok(built.archive.equals(archive));
  assert.deepEqual(reads, [0, 4 * 1024 * 1024, 8 * 1024 * 1024]);
  assert.match(built.log, /Successfully installed markupsafe-2\.1\.5\n\[build\] dependencies: .* \(python3\.11\)/);
  const sandbox = driver.started[0]!;
  assert.equal(sandbox.spec.network, 'outbound');
  assert.deepEqual(sandbox.allowed, ['pypi.org', 'files.pythonhosted.org']);
  assert.ok(sandbox.stopped, 'the build sandbox is gone after the build');

  const again = await builder.build('python3.11', PIP);
  assert.equal(again.cached, true);
  assert.ok(again.archive.equals(archive));
  assert.equal(again.log, built.log);
  assert.equal(driver.started.length, 1, 'the cache answered: no second sandbox');
  assert.deepEqual(readdirSync(join(dataDir, 'build-cache')).sort(), [`${built.key}.log`, `${built.key}.tar.gz`]);
});

async function failure(answer: FakeAnswer): Promise<SkyscaleError> {
  const { builder, dataDir } = setup(() => answer);
  const err = await builder.build('python3.11', PIP).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof SkyscaleError, String(err));
  assert.deepEqual(readdirSync(dataDir).filter((f) => f === 'build-cache'), [], 'a failed build caches nothing');
  return err;
}

test('a failing install is DependencyBuildFailed with the installer\'s last lines', async () => {
  const log = ['Collecting nope', ...Array.from({ length: 20 }, (_, i) => `line ${i}`), 'ERROR: No matching distribution found for nope'].join('\n');
  const err = await failure({ payload: JSON.stringify({ ok: false, exitCode: 1, log }) });
  assert.equal(err.type, 'DependencyBuildFailed');
  assert.match(err.message, /^pip could not install requirements\.txt:\n/);
  assert.match(err.message, /ERROR: No matching distribution found for nope$/);
  assert.doesNotMatch(err.message, /Collecting nope/, 'only the last lines in the message');
  assert.match(String(err.details?.log), /Collecting nope/, 'more of them in details.log');
});

test('a build past its time limit is DependencyBuildTimeout, whether the step or the invocation ran out', async () => {
  for (const answer of [{ payload: JSON.stringify({ ok: false, timedOut: true, log: 'Collecting numpy' }) }, { status: 'timeout' as const, payload: '{}' }]) {
    const err = await failure(answer);
    assert.equal(err.type, 'DependencyBuildTimeout');
    assert.match(err.message, /ran past the build's time limit of 300 s/);
    assert.match(err.hint ?? '', /SKYSCALE_BUILD_TIMEOUT_S/);
  }
});

test('installed dependencies over the size limit are DependencyBuildTooLarge', async () => {
  const err = await failure({ payload: JSON.stringify({ ok: false, tooLarge: true, bytes: 300 * 1024 * 1024, log: '' }) });
  assert.equal(err.type, 'DependencyBuildTooLarge');
  assert.match(err.message, /300\.0 MB, over the build's limit of 200\.0 MB/);
});

test('a driver that is not isolated or has no outbound network cannot build', async () => {
  const { driver, builder } = setup(() => ({}));
  driver.capabilities = { ...driver.capabilities, isolated: false };
  const err = await builder.build('python3.11', PIP).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof SkyscaleError);
  assert.equal(err.type, 'DependencyBuildUnavailable');
  assert.equal(driver.started.length, 0);
});
