import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildCacheKey, dependencyManifest, requirementLines } from './dependency-build.js';

const files = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));

test('a Python package needs a build when requirements.txt names something; comments and blank lines do not count', () => {
  assert.equal(dependencyManifest('python3.11', files({ 'handler.py': '' })), null);
  assert.equal(dependencyManifest('python3.11', files({ 'requirements.txt': '# nothing yet\n\n' })), null);
  assert.deepEqual(requirementLines('requests==2.32.3  # http\n\n--index-url https://x/simple\n# c\n'), ['requests==2.32.3', '--index-url https://x/simple']);
  const m = dependencyManifest('python3.11', files({ 'requirements.txt': 'markupsafe\n', 'package.json': '{"dependencies":{"a":"1"}}' }));
  assert.deepEqual(m && { kind: m.kind, names: Object.keys(m.files) }, { kind: 'pip', names: ['requirements.txt'] });
});

test('a Node.js package needs a build when package.json lists dependencies; the lock goes with it', () => {
  assert.equal(dependencyManifest('nodejs22.x', files({ 'package.json': '{"type":"module"}' })), null, 'no dependencies: nothing to build');
  assert.equal(dependencyManifest('nodejs22.x', files({ 'package.json': '{"dependencies":{}}' })), null);
  assert.equal(dependencyManifest('nodejs22.x', files({ 'requirements.txt': 'six\n' })), null, 'requirements.txt means nothing to Node.js');
  const m = dependencyManifest('nodejs24.x', files({ 'package.json': '{"dependencies":{"ms":"2.1.3"}}', 'package-lock.json': '{}' }));
  assert.deepEqual(m && { kind: m.kind, names: Object.keys(m.files).sort() }, { kind: 'npm', names: ['package-lock.json', 'package.json'] });
  assert.equal(dependencyManifest('nodejs22.x', files({ 'package.json': '{not json' }))?.kind, 'npm', 'a broken package.json goes to npm, which says what is wrong');
});

test('the cache key changes with the runtime and with any manifest byte, never with file order', () => {
  const a = dependencyManifest('nodejs22.x', files({ 'package.json': '{"dependencies":{"ms":"2.1.3"}}', 'package-lock.json': '{"v":1}' }))!;
  const reordered = { kind: a.kind, files: { 'package-lock.json': a.files['package-lock.json']!, 'package.json': a.files['package.json']! } };
  assert.match(buildCacheKey('nodejs22.x', a), /^[0-9a-f]{64}$/);
  assert.equal(buildCacheKey('nodejs22.x', a), buildCacheKey('nodejs22.x', reordered));
  assert.notEqual(buildCacheKey('nodejs22.x', a), buildCacheKey('nodejs24.x', a));
  const relocked = { kind: a.kind, files: { ...a.files, 'package-lock.json': Buffer.from('{"v":2}') } };
  assert.notEqual(buildCacheKey('nodejs22.x', a), buildCacheKey('nodejs22.x', relocked));
  // names and contents are delimited: moving bytes between them is another key
  const p1 = { kind: 'pip' as const, files: { 'requirements.txt': Buffer.from('six') } };
  const p2 = { kind: 'pip' as const, files: { 'requirements.txt': Buffer.from('six\n') } };
  assert.notEqual(buildCacheKey('python3.11', p1), buildCacheKey('python3.11', p2));
});
