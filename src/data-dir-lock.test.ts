import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockDataDir } from './data-dir-lock.js';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'skyscale-lock-'));
}

test('one server per data directory: a second lock is refused naming the holder, and released it can be taken again', () => {
  const d = dir();
  try {
    const lock = lockDataDir(d);
    assert.equal(readFileSync(join(d, 'server.pid'), 'utf8').trim(), String(process.pid));
    // another live process holds it: this test's parent stands in
    rmSync(join(d, 'server.pid'));
    writeFileSync(join(d, 'server.pid'), `${process.ppid}\n`);
    assert.throws(() => lockDataDir(d), (err: Error & { type?: string; hint?: string }) => {
      assert.equal(err.type, 'DataDirInUse');
      assert.match(err.message, new RegExp(`another Skyscale server \\(pid ${process.ppid}\\) is using the data directory`));
      assert.match(err.hint ?? '', /--data-dir/);
      return true;
    });
    lock.release();
    assert.ok(existsSync(join(d, 'server.pid')), 'a lock it does not hold is left alone');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('the lock of a server that is gone (killed) is taken over; a release removes the file', () => {
  const d = dir();
  try {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(join(d, 'server.pid'), `${gone}\n`);
    const lock = lockDataDir(d);
    assert.equal(readFileSync(join(d, 'server.pid'), 'utf8').trim(), String(process.pid));
    assert.throws(() => lockDataDir(d), /this process already runs a Skyscale server/);
    lock.release();
    assert.equal(existsSync(join(d, 'server.pid')), false);
    lockDataDir(d).release();
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
