import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { startChildSandbox } from './child-sandbox.js';
import { SignalFreezer } from './freezer.js';
import { SkyscaleError } from '../errors.js';
import { until } from '../../test/fakes/fake-driver.js';

const log = pino({ level: 'silent' });

test('a child that never says ready is killed after the deadline, with a clear error', async () => {
  await assert.rejects(
    startChildSandbox({ id: 't1', command: 'sleep', args: ['30'], env: { PATH: process.env.PATH }, log, readyTimeoutMs: 200 }),
    /did not report ready within 200 ms/,
  );
});

test('a child that exits before ready fails the start with what it printed', async () => {
  let cleaned = false;
  await assert.rejects(
    startChildSandbox({ id: 't2', command: 'sh', args: ['-c', 'echo "no kvm here" >&2; exit 3'], env: { PATH: process.env.PATH }, log, readyTimeoutMs: 5000,
      cleanup: async () => { cleaned = true; } }),
    /(closed its output|exited)[\s\S]*no kvm here/,
  );
  assert.equal(cleaned, true, 'the driver-specific cleanup ran');
});

test('a child whose agent speaks another protocol version is stopped and refused with AgentProtocolMismatch', async () => {
  // An "agent" that says ready with protocol 2, then waits to be killed.
  const script = `const h = Buffer.from(JSON.stringify({ type: 'ready', protocol: 2, agentVersion: '9.0.0', pid: process.pid }));
    const p = Buffer.alloc(8); p.writeUInt32BE(h.length, 0); process.stdout.write(Buffer.concat([p, h])); setInterval(() => {}, 1000);`;
  let cleaned = false;
  const err = await startChildSandbox({ id: 't3', command: process.execPath, args: ['-e', script], env: { PATH: process.env.PATH }, log, readyTimeoutMs: 5000,
    cleanup: async () => { cleaned = true; } }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof SkyscaleError, String(err));
  assert.equal(err.type, 'AgentProtocolMismatch');
  assert.match(err.message, /protocol 2; this server speaks protocol 1/);
  assert.equal(cleaned, true, 'the sandbox was stopped');
});

test('a frozen child sandbox is stopped (SIGSTOP) until thawed, and stops cleanly while frozen', async () => {
  // A stand-in agent: says ready, then waits.
  const script = `const h = Buffer.from(JSON.stringify({ type: 'ready', protocol: 1, agentVersion: 't', pid: process.pid }));
    const p = Buffer.alloc(8); p.writeUInt32BE(h.length, 0); process.stdout.write(Buffer.concat([p, h])); setInterval(() => {}, 1000);`;
  const sandbox = await startChildSandbox({ id: 't4', command: process.execPath, args: ['-e', script], env: { PATH: process.env.PATH }, log, readyTimeoutMs: 5000,
    freezer: (pid) => new SignalFreezer(pid) });
  const state = () => readFileSync(`/proc/${sandbox.pid}/stat`, 'utf8').split(') ')[1]![0];
  try {
    assert.equal(sandbox.frozen, false);
    assert.equal(await sandbox.freeze(), true);
    assert.equal(sandbox.frozen, true);
    await until(() => state() === 'T', 'the child to be stopped');
    await sandbox.thaw();
    assert.equal(sandbox.frozen, false);
    await until(() => state() !== 'T', 'the child to run again');
    await sandbox.freeze();
  } finally {
    await sandbox.stop();
  }
  const exit = await sandbox.exited;
  assert.equal(exit.signal, 'SIGKILL', 'stopped while frozen');
  assert.equal(sandbox.frozen, false, 'thawed on the way out');
  assert.equal(await sandbox.freeze(), false, 'a stopped sandbox cannot be frozen');
});

test('a sandbox whose child has exited is thawed and never frozen again, so the rest of it can die', async () => {
  const script = `const h = Buffer.from(JSON.stringify({ type: 'ready', protocol: 1, agentVersion: 't', pid: process.pid }));
    const p = Buffer.alloc(8); p.writeUInt32BE(h.length, 0); process.stdout.write(Buffer.concat([p, h])); setInterval(() => {}, 1000);`;
  // The child's stdout stays open in a grandchild, as a gVisor sandbox holds runsc run's pipes.
  const sandbox = await startChildSandbox({ id: 't5', command: 'sh', args: ['-c', `${JSON.stringify(process.execPath)} -e "$0" & wait`, script], env: { PATH: process.env.PATH }, log,
    readyTimeoutMs: 5000, freezer: (pid) => new SignalFreezer(pid) });
  try {
    assert.equal(await sandbox.freeze(), true);
    process.kill(sandbox.pid!, 'SIGKILL'); // the child (sh) dies; its child, the agent, lives on stopped
    await until(() => !sandbox.frozen, 'the sandbox to be thawed when its child exited');
    assert.equal(await sandbox.freeze(), false, 'and not frozen again');
  } finally {
    process.kill(-sandbox.pid!, 'SIGKILL'); // the agent, which gVisor's parent-death signal would have killed
    await sandbox.stop();
  }
});

test('when the child exits on its own, what it left running in its process group is killed with it', async () => {
  // A stand-in agent: says ready, leaves a long sleep behind (named on stderr), exits.
  const script = `const { spawn } = require('node:child_process');
    const h = Buffer.from(JSON.stringify({ type: 'ready', protocol: 1, agentVersion: 't', pid: process.pid }));
    const p = Buffer.alloc(8); p.writeUInt32BE(h.length, 0); process.stdout.write(Buffer.concat([p, h]));
    const stray = spawn('sleep', ['300'], { stdio: 'ignore' }); stray.unref();
    process.stderr.write('stray ' + stray.pid + '\\n'); setTimeout(() => process.exit(0), 100);`;
  const sandbox = await startChildSandbox({ id: 't5', command: process.execPath, args: ['-e', script], env: { PATH: process.env.PATH }, log, readyTimeoutMs: 5000 });
  try {
    const exit = await sandbox.exited;
    const stray = Number(/stray (\d+)/.exec(exit.stderrTail)?.[1]);
    assert.ok(stray > 0, `the stray's pid was printed: ${exit.stderrTail}`);
    await until(() => { try { return readFileSync(`/proc/${stray}/stat`, 'utf8').split(') ')[1]![0] === 'Z'; } catch { return true; } }, 'the stray sleep to be killed');
  } finally {
    await sandbox.stop();
  }
});
