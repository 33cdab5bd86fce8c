import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withoutHostPaths } from './host-paths.js';

test('absolute paths are replaced; URLs, relative paths and slashes between words stay', () => {
  assert.equal(withoutHostPaths("ENOENT: no such file or directory, open '/root/.skyscale/code/ab/abcd'"), "ENOENT: no such file or directory, open '<path>'");
  assert.equal(withoutHostPaths('runsc --root=/run/skyscale/runsc failed (/tmp/x.log); see /var/log/y'), 'runsc --root=<path> failed (<path>); see <path>');
  assert.equal(withoutHostPaths('/usr/bin/runsc: exit 1'), '<path>: exit 1');
  assert.equal(withoutHostPaths('see http://127.0.0.1:8080/v1/pool, scripts/setup.sh, 1/2 and a / b'), 'see http://127.0.0.1:8080/v1/pool, scripts/setup.sh, 1/2 and a / b');
});
