import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IMAGE_RUNTIMES, parseRuntimeManifest, runtimeFamily, runtimeNote, RuntimeSet } from './runtimes.js';

const node = new RuntimeSet(IMAGE_RUNTIMES);

test('a node serves the runtimes its image carries, each as itself', () => {
  assert.deepEqual(node.choose('nodejs22.x'), { name: 'nodejs22.x', runs: { name: 'nodejs22.x', language: 'nodejs', version: '22.23.5' } });
  assert.equal(node.choose('python3.11')?.runs.version, '3.11.2');
  assert.equal(node.choose('python3.11')?.note, undefined);
});

test('python3.8, 3.9, 3.10 and 3.12 run on the image\'s Python 3.11, with a note; other names are refused', () => {
  for (const name of ['python3.8', 'python3.9', 'python3.10', 'python3.12']) {
    const c = node.choose(name);
    assert.equal(c?.runs.name, 'python3.11', name);
    assert.equal(c?.note, `${name} runs on Python 3.11 here`);
    assert.equal(runtimeNote(name), c?.note);
  }
  for (const name of ['python3.13', 'python3.7', 'nodejs20.x', 'nodejs18.x', 'ruby3.3']) assert.equal(node.choose(name), undefined, name);
  assert.equal(runtimeNote('nodejs22.x'), undefined);
});

test('the refusal names what the node has', () => {
  assert.equal(node.refusal('nodejs20.x'),
    'runtime "nodejs20.x" is not available on this node; it has python3.11, nodejs22.x, nodejs24.x (and python3.8, python3.9, python3.10, python3.12, which run on Python 3.11)');
  assert.deepEqual(node.accepted(), ['python3.11', 'nodejs22.x', 'nodejs24.x', 'python3.8', 'python3.9', 'python3.10', 'python3.12']);
  const nodeOnly = new RuntimeSet([{ name: 'nodejs24.x', language: 'nodejs', version: '24.22.3' }]);
  assert.equal(nodeOnly.choose('python3.8'), undefined, 'no stand-in without the Python it runs on');
  assert.equal(nodeOnly.describe(), 'nodejs24.x');
});

test('pool classes: every python3.* is one class, each Node.js major its own', () => {
  assert.equal(runtimeFamily('python3.8'), 'python');
  assert.equal(runtimeFamily('python3.11'), 'python');
  assert.equal(runtimeFamily('nodejs22.x'), 'node22');
  assert.equal(runtimeFamily('nodejs24.x'), 'node24');
  assert.equal(runtimeFamily('ruby3.3'), undefined);
});

test('the image manifest: entries that do not fit are dropped', () => {
  assert.deepEqual(parseRuntimeManifest('[{"name":"python3.11","language":"python","version":"3.11.2"},{"name":"nodejs22.x","language":"python","version":"22.1.0"},{"name":"x","language":"nodejs","version":"1"},{"name":"nodejs24.x","language":"nodejs","version":"24.22.3"}]'),
    [{ name: 'python3.11', language: 'python', version: '3.11.2' }, { name: 'nodejs24.x', language: 'nodejs', version: '24.22.3' }]);
  assert.equal(parseRuntimeManifest('not json'), undefined);
  assert.equal(parseRuntimeManifest('[]'), undefined);
  assert.equal(parseRuntimeManifest('{"a":1}'), undefined);
});
