import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encodeFrame, FrameDecoder, ProtocolError } from './protocol.js';
import { repoPath } from '../paths.js';

interface Vectors {
  valid: { name: string; header: Record<string, unknown>; bodyHex: string; frameHex: string }[];
  invalid: { name: string; frameHex: string }[];
}
const vectors = JSON.parse(readFileSync(repoPath('contracts/agent-protocol.vectors.json'), 'utf8')) as Vectors;

for (const v of vectors.valid) {
  test(`decodes the contract vector: ${v.name}`, () => {
    const frames = new FrameDecoder().push(Buffer.from(v.frameHex, 'hex'));
    assert.equal(frames.length, 1);
    assert.deepEqual(frames[0]!.header, v.header);
    assert.equal(frames[0]!.body.toString('hex'), v.bodyHex);
  });
  test(`encodes the contract vector: ${v.name}`, () => {
    const encoded = encodeFrame(v.header as { type: string }, Buffer.from(v.bodyHex, 'hex'));
    const [frame] = new FrameDecoder().push(encoded);
    assert.deepEqual(frame!.header, v.header);
    assert.equal(frame!.body.toString('hex'), v.bodyHex);
  });
}

for (const v of vectors.invalid) {
  test(`refuses the contract vector: ${v.name}`, () => {
    assert.throws(() => new FrameDecoder().push(Buffer.from(v.frameHex, 'hex')), ProtocolError);
  });
}

test('reassembles frames split at every byte boundary and frames sharing a chunk', () => {
  const bytes = Buffer.concat([
    encodeFrame({ type: 'a', n: 1 }, Buffer.from('first')),
    encodeFrame({ type: 'b' }),
    encodeFrame({ type: 'c' }, Buffer.alloc(70_000, 7)),
  ]);
  for (const step of [1, 3, 8, 1000, bytes.length]) {
    const decoder = new FrameDecoder();
    const seen: string[] = [];
    for (let i = 0; i < bytes.length; i += step) {
      for (const f of decoder.push(bytes.subarray(i, i + step))) seen.push(`${f.header.type}:${f.body.length}`);
    }
    assert.deepEqual(seen, ['a:5', 'b:0', 'c:70000'], `step ${step}`);
  }
});
