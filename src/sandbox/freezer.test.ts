import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupFreezer } from './freezer.js';

/** A regular file standing in for a cgroup's freezer.state. */
function stateFile(): { path: string; read: () => string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-freezer-'));
  const path = join(dir, 'freezer.state');
  writeFileSync(path, 'THAWED');
  return { path, read: () => readFileSync(path, 'utf8'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('freeze and thaw write the freezer file in the order asked, and frozen says what was asked for last', async () => {
  const f = stateFile();
  let located = 0;
  const freezer = new CgroupFreezer('cgroup-v1', async () => { located++; return f.path; });
  try {
    const freezing = freezer.freeze();
    assert.equal(freezer.frozen, true, 'at once, before the write');
    const thawing = freezer.thaw(); // asked while the freeze is still being written
    assert.equal(freezer.frozen, false);
    assert.equal(await freezing, true);
    await thawing;
    assert.equal(f.read(), 'THAWED', 'the thaw landed after the freeze');
    assert.equal(await freezer.freeze(), true);
    assert.equal(f.read(), 'FROZEN');
    await freezer.thaw();
    await freezer.thaw(); // not frozen: nothing to do
    assert.equal(f.read(), 'THAWED');
    assert.equal(located, 1, 'the file is found once and kept open');
  } finally {
    await freezer.close();
    f.done();
  }
});

test('a sandbox whose freezer cannot be found is not frozen, and thawing it is no error', async () => {
  const freezer = new CgroupFreezer('cgroup-v2', async () => null);
  const freezing = freezer.freeze();
  const thawing = freezer.thaw();
  assert.equal(await freezing, false);
  await thawing;
  assert.equal(await freezer.freeze(), false);
  assert.equal(freezer.frozen, false);
  await freezer.thaw();
  await freezer.close();
});

test('a thaw that cannot be written (the cgroup is gone) fails, so the pool retires the sandbox', async () => {
  const f = stateFile();
  const freezer = new CgroupFreezer('cgroup-v1', async () => f.path);
  assert.equal(await freezer.freeze(), true);
  await freezer.close(); // stands for the file going away
  await assert.rejects(freezer.thaw(), /could not be thawed/);
  f.done();
});
