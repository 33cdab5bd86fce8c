import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupPath, findFreezerHierarchy, mayFreeze, sandboxFreezeFile } from './cgroups.js';

const HYBRID = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw`;
const HYBRID_SELF = '6:freezer:/\n4:memory:/session/abc\n0::/\n';
const V2 = '29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';

test('the v1 freezer is preferred where the host has one (hybrid), else the v2 hierarchy, else none', () => {
  assert.deepEqual(findFreezerHierarchy(HYBRID, HYBRID_SELF), { kind: 'cgroup-v1', mount: '/sys/fs/cgroup/freezer', own: '/' });
  assert.deepEqual(findFreezerHierarchy(V2, '0::/system.slice/skyscale.service\n'), { kind: 'cgroup-v2', mount: '/sys/fs/cgroup', own: '/system.slice/skyscale.service' });
  assert.equal(findFreezerHierarchy('31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n', ''), null);
  // a mount of a subtree only (a container's view) is not used
  assert.equal(findFreezerHierarchy('37 31 0:34 /docker/x /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n', HYBRID_SELF), null);
});

test("a process's cgroup is read from the freezer's line of /proc/<pid>/cgroup", () => {
  const text = '9:name=systemd:/\n6:freezer:/sky-1234\n5:cpu,cpuacct:/sky-1234\n0::/\n';
  assert.equal(cgroupPath(text, 'cgroup-v1'), '/sky-1234');
  assert.equal(cgroupPath(text, 'cgroup-v2'), '/');
  assert.equal(cgroupPath('0::/user.slice/sky-1\n', 'cgroup-v2'), '/user.slice/sky-1');
  assert.equal(cgroupPath('1:cpu:/\n', 'cgroup-v1'), null);
});

test("the control plane's own cgroup, its ancestors and the root are never frozen", async () => {
  assert.equal(mayFreeze('/sky-1', '/'), true);
  assert.equal(mayFreeze('/system.slice/skyscale.service/skyscale-ab/sky-1', '/system.slice/skyscale.service'), true);
  assert.equal(mayFreeze('/', '/'), false, 'the root');
  assert.equal(mayFreeze('/system.slice/skyscale.service', '/system.slice/skyscale.service'), false, 'our own');
  assert.equal(mayFreeze('/system.slice', '/system.slice/skyscale.service'), false, 'above ours');
  assert.equal(mayFreeze('/system', '/system.slice/skyscale.service'), true, 'a name prefix is not an ancestor');
  const h = findFreezerHierarchy();
  if (!h) return; // no cgroups here
  assert.equal(await sandboxFreezeFile(h, process.pid), null, 'the control plane itself');
  assert.equal(await sandboxFreezeFile(h, 2 ** 22 + 1), null, 'a process that does not exist');
});
