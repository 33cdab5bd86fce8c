import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { prepareKit } from './kit.js';
import { repoPath } from '../paths.js';

const hostVersion = execFileSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])']).toString().trim();
const MODULES = readdirSync(repoPath('runtimes/python/skyscale_runtime')).filter((f) => f.endsWith('.py')).map((f) => f.slice(0, -3));

function setup(rootfsPython: string) {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-kit-test-'));
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'usr', 'lib', `python${rootfsPython}`), { recursive: true });
  const warnings: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
  const sources = { dataDir: join(dir, 'data'), agentPath: process.execPath, pythonBootstrap: repoPath('runtimes/python/bootstrap.py'), nodeBootstrap: repoPath('runtimes/node/bootstrap.mjs'), rootfs, bwrap: undefined, hostPython: 'python3', log };
  return { dir, sources, warnings, pkg: join(dir, 'data', 'kit', 'runtime', 'python', 'skyscale_runtime') };
}

test('the kit holds the agent, bootstrap.py and the runtime package compiled for the sandboxes\' Python, and nothing stale', async (t) => {
  const s = setup(hostVersion);
  t.after(() => rmSync(s.dir, { recursive: true, force: true }));
  mkdirSync(join(s.pkg, '__pycache__'), { recursive: true });
  writeFileSync(join(s.pkg, 'removed_module.py'), 'stale = True\n');
  writeFileSync(join(s.pkg, '__pycache__', 'main.cpython-311.pyc'), 'stale bytecode');

  const kit = await prepareKit(s.sources);
  assert.ok(existsSync(join(kit, 'bin', 'skyscale-agent')));
  assert.equal(readFileSync(join(kit, 'runtime', 'python', 'bootstrap.py'), 'utf8'), readFileSync(repoPath('runtimes/python/bootstrap.py'), 'utf8'));
  assert.equal(existsSync(join(s.pkg, 'removed_module.py')), false, 'a module removed from the source is gone from the kit');
  assert.equal(readFileSync(join(kit, 'runtime', 'node', 'bootstrap.mjs'), 'utf8'), readFileSync(repoPath('runtimes/node/bootstrap.mjs'), 'utf8'));
  assert.equal(readFileSync(join(kit, 'runtime', 'node', 'lib', 'main.mjs'), 'utf8'), readFileSync(repoPath('runtimes/node/lib/main.mjs'), 'utf8'));
  assert.equal(existsSync(join(kit, 'runtime', 'node', 'test')), false, 'the Node.js runtime\'s tests stay out of the kit');
  const tag = `cpython-${hostVersion.replace('.', '')}`;
  for (const m of MODULES) {
    const pyc = readFileSync(join(s.pkg, '__pycache__', `${m}.${tag}.pyc`));
    assert.equal(pyc.readUInt32LE(4), 1, `${m}: an unchecked hash-based .pyc (flags 0b01)`);
  }
  assert.deepEqual(s.warnings, []);
});

test('a host Python of another version compiles nothing, and says so', async (t) => {
  const s = setup('3.99');
  t.after(() => rmSync(s.dir, { recursive: true, force: true }));
  await prepareKit(s.sources);
  assert.equal(existsSync(join(s.pkg, '__pycache__')), false);
  assert.equal(existsSync(join(s.pkg, 'main.py')), true);
  assert.match(s.warnings.join(''), /compiled at every cold start/);
});
