// Plays the agent for the runtime: starts bootstrap.mjs with the built-in channel's
// two pipes (fd 3 events in, fd 4 answers out) and speaks frames on them.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeFrame, parseHeader, parsePrefix } from '../lib/frames.mjs';

export const BOOTSTRAP = join(dirname(fileURLToPath(import.meta.url)), '..', 'bootstrap.mjs');

/** A task root holding files ({path: text}). */
export function taskRoot(files) {
  const dir = mkdtempSync(join(tmpdir(), 'skyscale-node-rt-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

export class FakeAgent {
  constructor({ dir, handler, env = {}, prestart = false }) {
    const base = { PATH: process.env.PATH, LAMBDA_TASK_ROOT: dir, SKYSCALE_RUNTIME_PIPE: '3,4', TZ: ':UTC' };
    const fn = {
      _HANDLER: handler, AWS_LAMBDA_FUNCTION_NAME: 'fn', AWS_LAMBDA_FUNCTION_VERSION: '7', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/fn', AWS_LAMBDA_LOG_STREAM_NAME: '2026/12/02/[7]abc',
      SKYSCALE_INVOKED_FUNCTION_ARN: 'arn:aws:lambda:local:000000000000:function:fn', LAMBDA_TASK_ROOT: dir, ...env,
    };
    this.fnEnv = { PATH: process.env.PATH, ...fn };
    this.child = spawn(process.execPath, [BOOTSTRAP], {
      cwd: dir, env: prestart ? { ...base, SKYSCALE_PRESTART: '1' } : { ...base, ...fn },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    this.out = '';
    this.child.stdout.on('data', (c) => { this.out += c; });
    this.child.stderr.on('data', (c) => { this.out += c; });
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    this.frames = [];
    this.child.stdio[4].on('data', (c) => {
      this.buf = Buffer.concat([this.buf, c]);
      this.drain();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  drain() {
    while (this.buf.length >= 8) {
      const [h, b] = parsePrefix(this.buf.subarray(0, 8));
      if (this.buf.length < 8 + h + b) return;
      const header = parseHeader(this.buf.subarray(8, 8 + h));
      const body = Buffer.from(this.buf.subarray(8 + h, 8 + h + b));
      this.buf = this.buf.subarray(8 + h + b);
      this.frames.push({ header, body });
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** The next frame the runtime sends (within 10 s). */
  async frame() {
    const deadline = Date.now() + 10_000;
    while (this.frames.length === 0) {
      if (Date.now() > deadline) throw new Error(`no frame from the runtime; its output:\n${this.out}`);
      await new Promise((resolve) => { this.waiters.push(resolve); setTimeout(resolve, 50); });
    }
    return this.frames.shift();
  }

  send(header, body = Buffer.alloc(0)) {
    this.child.stdio[3].write(encodeFrame(header, body));
  }

  /** Invokes with event; returns {header, body (parsed JSON)} of the answer. */
  async invoke(event, { requestId = `req-${Math.random().toString(16).slice(2)}`, deadlineMs = Date.now() + 5000, clientContext } = {}) {
    this.send({ type: 'invoke', requestId, deadlineMs, invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:fn:live', traceId: 'Root=1-abc', ...(clientContext ? { clientContext } : {}) },
      Buffer.from(typeof event === 'string' ? event : JSON.stringify(event)));
    const { header, body } = await this.frame();
    return { header, body: JSON.parse(body.toString('utf8')), requestId };
  }

  stop() {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}
