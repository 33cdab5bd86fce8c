import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { AGENT_PROTOCOL, AgentChannel, AgentTimeoutError, ChannelClosedError, type InitRequest } from './agent-channel.js';
import { encodeFrame, FrameDecoder, type Frame } from './protocol.js';
import { AGENT_SCHEMA, schemaProblems } from './agent-schema.test-helper.js';
import { SkyscaleError } from '../errors.js';

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
  w.send({ type: 'ready', protocol: 1, agentVersion: '0.1.0', pid: 1, prestarted: 'python' });
  assert.equal((await w.channel.ready).prestarted, 'python');
  assert.equal(w.channel.prestarted, 'python');
  w.answer((f) => w.send({ type: 'result', requestId: f.header.requestId as string, status: 'ok', durationMs: 0.5, maxRssKb: 900, cpuMs: 2.5, log: 'hi\n' }, Buffer.from('{"ok":1}')));
  const r = await w.channel.invoke(INVOKE, Buffer.from('{}'), 1000);
  assert.deepEqual({ ...r, payload: r.payload.toString() }, { status: 'ok', payload: '{"ok":1}', durationMs: 0.5, maxRssKb: 900, cpuMs: 2.5, log: 'hi\n', logTruncated: false });
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

const INIT: InitRequest = {
  runtime: 'python3.11', handler: 'handler.handler', codeSha256: 'ab'.repeat(32), functionName: 'hello', functionVersion: '1',
  memoryMb: 128, timeoutMs: 3000, env: { KEY: 'value' }, invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:hello',
  logGroupName: '/aws/lambda/hello', logStreamName: '2026/11/23/[1]abc', logLimitBytes: 262144,
};
const FULL_INVOKE = { requestId: 'r1', deadlineMs: 1763900000000, timeoutMs: 3000, invokedFunctionArn: 'arn' };

test('every message the host sends, and every answer these tests script, is the contract\'s (agent-protocol.schema.json)', async () => {
  const w = wire();
  const answers: Record<string, { type: string; [k: string]: unknown }> = {
    init: { type: 'init_result', ok: false, initMs: 12.5, log: 'x', error: { errorType: 'Runtime.ImportModuleError', errorMessage: 'no', stackTrace: [] } },
    invoke: { type: 'result', requestId: 'r1', status: 'ok', durationMs: 1.5, maxRssKb: 900, cpuMs: 1.25, log: '', logTruncated: false },
    ping: { type: 'pong' },
  };
  w.answer((f) => {
    const a = answers[f.header.type];
    if (a) w.send(a);
  });
  await w.channel.init(INIT, Buffer.from('tar'), 1000);
  await w.channel.invoke({ ...FULL_INVOKE, clientContext: null }, Buffer.from('{}'), 1000);
  await w.channel.invoke({ ...FULL_INVOKE, clientContext: '{"custom":{}}' }, Buffer.from('{}'), 1000);
  await w.channel.invoke(INVOKE, Buffer.from('{}'), 1000);
  await w.channel.ping(1000);
  w.channel.shutdown();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(w.received.map((f) => f.header.type), ['init', 'invoke', 'invoke', 'invoke', 'ping', 'shutdown']);
  for (const f of w.received) assert.deepEqual(schemaProblems(`host-to-agent.${f.header.type}`, f.header), [], JSON.stringify(f.header));
  for (const a of Object.values(answers)) assert.deepEqual(schemaProblems(`agent-to-host.${a.type}`, a), []);
  for (const ready of [{ type: 'ready', protocol: 1, agentVersion: '0.1.0', pid: 1 }, { type: 'ready', protocol: 1, agentVersion: '0.1.0', pid: 1, prestarted: 'python' }]) {
    assert.deepEqual(schemaProblems('agent-to-host.ready', ready), []);
  }
});

test('the host speaks the protocol version of the contract', () => {
  const ready = AGENT_SCHEMA.$defs['agent-to-host.ready'] as { properties: { protocol: { const: number } } };
  assert.equal(AGENT_PROTOCOL, ready.properties.protocol.const);
});

test('an agent announcing another protocol version is refused with AgentProtocolMismatch naming both', async () => {
  for (const protocol of [2, undefined]) {
    const w = wire();
    w.send({ type: 'ready', agentVersion: '9.0.0', pid: 1, ...(protocol === undefined ? {} : { protocol }) });
    const err = await w.channel.ready.then(() => null, (e: unknown) => e);
    assert.ok(err instanceof SkyscaleError, String(err));
    assert.equal(err.type, 'AgentProtocolMismatch');
    assert.match(err.message, protocol === undefined ? /no protocol version.*protocol 1/ : /protocol 2.*protocol 1/);
    assert.match(err.message, /scripts\/setup\.sh/);
    assert.deepEqual(err.details, { agentProtocol: protocol ?? null, hostProtocol: AGENT_PROTOCOL });
    assert.equal(w.channel.isClosed, true, 'the channel is closed: nothing is sent to such an agent');
    await assert.rejects(w.channel.ping(100), ChannelClosedError);
  }
});

test('a sandbox without a prestarted runtime says so', async () => {
  const w = wire();
  assert.equal(w.channel.prestarted, undefined);
  w.send({ type: 'ready', protocol: 1, agentVersion: '0.1.0', pid: 1 });
  assert.deepEqual(await w.channel.ready, { protocol: 1, agentVersion: '0.1.0', pid: 1 });
  assert.equal(w.channel.prestarted, undefined);
});

test('the schema checker refuses what the schema refuses', () => {
  const good = { type: 'result', requestId: 'r', status: 'ok', durationMs: 1, log: '', logTruncated: false };
  assert.deepEqual(schemaProblems('agent-to-host.result', good), []);
  for (const bad of [{ ...good, status: 'maybe' }, { ...good, maxRssKb: 1.5 }, { ...good, undocumented: 1 }, { type: 'result' }, { ...good, type: 'pong' }]) {
    assert.notDeepEqual(schemaProblems('agent-to-host.result', bad), [], JSON.stringify(bad));
  }
  assert.notDeepEqual(schemaProblems('host-to-agent.init', { ...INIT, type: 'init', env: { K: 1 } }), []);
});

test('a streamed invoke asks for log frames and hands them to its listener; one that did not ask never sends the field, and stray log frames are ignored', async () => {
  const w = wire();
  const chunks: { offset: number; dropped: number; text: string }[] = [];
  w.answer((f) => {
    const requestId = f.header.requestId as string;
    w.send({ type: 'log', requestId: 'someone-else', offset: 0, dropped: 0 }, Buffer.from('not mine\n'));
    w.send({ type: 'log', requestId, offset: 0, dropped: 0 }, Buffer.from('first\n'));
    w.send({ type: 'log', requestId, offset: 6, dropped: 3 }, Buffer.from('sec'));
    w.send({ type: 'result', requestId, status: 'ok', durationMs: 1, log: 'first\nsec\n[skyscale] log truncated: 3 bytes dropped\n', logTruncated: true }, Buffer.from('{}'));
  });
  const r = await w.channel.invoke({ ...INVOKE, logStream: true }, Buffer.from('{}'), 1000, (c) => chunks.push({ offset: c.offset, dropped: c.dropped, text: c.bytes.toString() }));
  assert.equal(w.received[0]!.header.logStream, true);
  assert.deepEqual(chunks, [{ offset: 0, dropped: 0, text: 'first\n' }, { offset: 6, dropped: 3, text: 'sec' }]);
  assert.equal(r.logTruncated, true);
  // without a listener the field is not sent, and a late log frame changes nothing
  w.answer((f) => w.send({ type: 'result', requestId: f.header.requestId as string, status: 'ok', durationMs: 1, log: '', logTruncated: false }, Buffer.from('{}')));
  await w.channel.invoke({ ...INVOKE, requestId: 'r2', logStream: true }, Buffer.from('{}'), 1000);
  assert.equal('logStream' in w.received[1]!.header, false);
  w.send({ type: 'log', requestId: 'r2', offset: 0, dropped: 0 }, Buffer.from('late\n'));
  w.answer(() => w.send({ type: 'pong' }));
  await w.channel.ping(1000);
  assert.equal(w.channel.isClosed, false);
  assert.deepEqual(schemaProblems('agent-to-host.log', { type: 'log', requestId: 'r', offset: 0, dropped: 0 }), []);
});
