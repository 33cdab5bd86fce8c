import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { AgentChannel, AgentTimeoutError, ChannelClosedError } from './agent-channel.js';
import { encodeFrame, FrameDecoder, type Frame } from './protocol.js';

/** A channel wired to an in-memory "agent" whose answers each test scripts. */
function wire() {
  const toHost = new PassThrough();
  const toAgent = new PassThrough();
  const channel = new AgentChannel(toHost, toAgent);
  const received: Frame[] = [];
  const decoder = new FrameDecoder();
  let onFrame: (f: Frame) => void = () => {};
  toAgent.on('data', (c: Buffer) => {
    for (const f of decoder.push(c)) {
      received.push(f);
      onFrame(f);
    }
  });
  return {
    channel, received,
    send: (header: { type: string; [k: string]: unknown }, body?: Buffer) => toHost.write(encodeFrame(header, body)),
    answer: (fn: (f: Frame) => void) => { onFrame = fn; },
    raw: (bytes: Buffer) => toHost.write(bytes),
    end: () => toHost.end(),
  };
}

const INVOKE = { requestId: 'r1', deadlineMs: 0, timeoutMs: 1000, invokedFunctionArn: 'arn' };

test('ready resolves with the agent\'s ready frame; invoke returns the result and its body', async () => {
  const w = wire();
  w.send({ type: 'ready', protocol: 1, prestarted: 'python' });
  assert.equal((await w.channel.ready).prestarted, 'python');
  w.answer((f) => w.send({ type: 'result', requestId: f.header.requestId as string, status: 'ok', durationMs: 0.5, maxRssKb: 900, log: 'hi\n' }, Buffer.from('{"ok":1}')));
  const r = await w.channel.invoke(INVOKE, Buffer.from('{}'), 1000);
  assert.deepEqual({ ...r, payload: r.payload.toString() }, { status: 'ok', payload: '{"ok":1}', durationMs: 0.5, maxRssKb: 900, log: 'hi\n', logTruncated: false });
  assert.equal(w.received[0]!.header.type, 'invoke');
  assert.equal(w.received[0]!.body.toString(), '{}');
});

test('an error frame from the agent rejects the request with its message; the channel stays usable', async () => {
  const w = wire();
  w.answer(() => w.send({ type: 'error', errorType: 'Agent.InvalidState', errorMessage: 'not warm' }));
  await assert.rejects(w.channel.invoke(INVOKE, Buffer.from('{}'), 1000), /Agent\.InvalidState: not warm/);
  assert.equal(w.channel.isClosed, false);
  w.answer(() => w.send({ type: 'pong' }));
  await w.channel.ping(1000);
});

test('one request at a time: a second one while the first is pending is refused', async () => {
  const w = wire();
  const first = w.channel.invoke(INVOKE, Buffer.from('{}'), 200);
  await assert.rejects(w.channel.ping(100), /busy/);
  await assert.rejects(first, AgentTimeoutError);
});

test('an unknown result status is refused', async () => {
  const w = wire();
  w.answer(() => w.send({ type: 'result', requestId: 'r1', status: 'maybe' }));
  await assert.rejects(w.channel.invoke(INVOKE, Buffer.from('{}'), 1000), /unknown status/);
});

test('runtime_exit is passed to listeners', async () => {
  const w = wire();
  const exits: unknown[] = [];
  w.channel.onRuntimeExit((h) => exits.push(h.exitCode));
  w.send({ type: 'runtime_exit', exitCode: 3, signal: '' });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(exits, [3]);
});

test('the stream ending fails the pending request and every later one with ChannelClosedError', async () => {
  const w = wire();
  const pending = w.channel.invoke(INVOKE, Buffer.from('{}'), 5000);
  w.end();
  await assert.rejects(pending, ChannelClosedError);
  assert.equal(w.channel.isClosed, true);
  assert.match(await w.channel.closed, /closed its output/);
  await assert.rejects(w.channel.ping(100), ChannelClosedError);
  await assert.rejects(w.channel.ready, ChannelClosedError);
});

test('a frame breaking the protocol closes the channel', async () => {
  const w = wire();
  const pending = w.channel.ping(5000);
  w.send({ type: 'pong' });
  await pending;
  const again = w.channel.ping(5000);
  w.raw(Buffer.alloc(8)); // a header length of 0 is out of range
  await assert.rejects(again, /broke the protocol/);
  assert.equal(w.channel.isClosed, true);
});
