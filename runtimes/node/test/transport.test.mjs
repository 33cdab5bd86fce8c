// The built-in channel's framing against the contract's vectors
// (contracts/agent-protocol.vectors.json), read from a real pipe as the runtime reads
// fd 3, and frames written as the runtime writes fd 4.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeFrame, ProtocolError } from '../lib/frames.mjs';
import { ConnectionDropped, PipeTransport } from '../lib/transport.mjs';

const VECTORS = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'contracts', 'agent-protocol.vectors.json'), 'utf8'));

/** A transport reading `bytes` (from a file: a blocking fd, as the agent's pipe is) and writing to another file. */
function transportOver(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-node-frames-'));
  writeFileSync(join(dir, 'in'), bytes);
  const rfd = openSync(join(dir, 'in'), 'r');
  const wfd = openSync(join(dir, 'out'), 'w');
  const t = new PipeTransport(rfd, wfd);
  return { t, written: () => readFileSync(join(dir, 'out')), close: () => { closeSync(rfd); closeSync(wfd); rmSync(dir, { recursive: true, force: true }); } };
}

test('every valid vector decodes to its header and body', () => {
  for (const v of VECTORS.valid) {
    const { t, close } = transportOver(Buffer.from(v.frameHex, 'hex'));
    try {
      const [header, body] = t.readFrame();
      assert.deepEqual(header, v.header, v.name);
      assert.equal(body.toString('hex'), v.bodyHex, v.name);
    } finally { close(); }
  }
});

test('every invalid vector is refused', () => {
  for (const v of VECTORS.invalid) {
    const { t, close } = transportOver(Buffer.from(v.frameHex, 'hex'));
    try {
      assert.throws(() => t.readFrame(), (e) => e instanceof ProtocolError || e instanceof ConnectionDropped, v.name);
    } finally { close(); }
  }
});

test('frames are written with the contract\'s framing', () => {
  for (const v of VECTORS.valid) {
    const { t, written, close } = transportOver(Buffer.alloc(0));
    try {
      t.send(v.header, Buffer.from(v.bodyHex, 'hex'));
      const out = written();
      const again = transportOver(out);
      const [header, body] = again.t.readFrame();
      again.close();
      assert.deepEqual(header, v.header, v.name);
      assert.equal(body.toString('hex'), v.bodyHex, v.name);
      assert.deepEqual(out, encodeFrame(v.header, Buffer.from(v.bodyHex, 'hex')));
    } finally { close(); }
  }
});

test('an ended pipe mid-frame is a dropped connection', () => {
  const full = encodeFrame({ type: 'invoke', requestId: 'a' }, Buffer.from('event'));
  const { t, close } = transportOver(full.subarray(0, full.length - 2));
  try {
    assert.throws(() => t.readFrame(), ConnectionDropped);
  } finally { close(); }
});
