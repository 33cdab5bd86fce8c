import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, SkyscaleError } from './errors.js';
import { repoPath } from './paths.js';

test('docs/errors.md lists exactly the error registry, with the same status, Lambda name and kind', () => {
  const doc = readFileSync(repoPath('docs/errors.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => /^\| [A-Z][A-Za-z]+ \| \d{3} \|/.test(l)).map((l) => l.split('|').map((c) => c.trim()));
  const documented = Object.fromEntries(rows.map((r) => [r[1], { status: Number(r[2]), lambda: r[3], kind: r[4] }]));
  const registry = Object.fromEntries(Object.entries(ERRORS).map(([k, v]) => [k, { status: v.status, lambda: v.lambda, kind: v.kind }]));
  assert.deepEqual(documented, registry);
});

test('a SkyscaleError carries its type, status and wire shape', () => {
  const e = new SkyscaleError('FunctionNotFound', 'function "x" does not exist', { hint: 'list functions' });
  assert.equal(e.status, 404);
  assert.equal(e.lambdaName, 'ResourceNotFoundException');
  assert.deepEqual(JSON.parse(JSON.stringify(e)), { type: 'FunctionNotFound', message: 'function "x" does not exist', hint: 'list functions' });
});
