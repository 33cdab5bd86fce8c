// How the runtime reaches the agent. The built-in channel (two pipes, fd 3 events in,
// fd 4 answers out, announced by SKYSCALE_RUNTIME_PIPE=3,4) when the agent gives it;
// else the Lambda Runtime API over HTTP at AWS_LAMBDA_RUNTIME_API (a run by hand, or
// against another Runtime API server). Both offer next(), answer(), initError().
//
// The pipe is read with blocking reads: between invocations the runtime has nothing to
// do (as on Lambda, where the process is frozen between them), and a blocking read costs
// no event-loop round trips inside gVisor. Answers are written synchronously, so they
// are on the pipe before anything else the handler left behind runs.
import { closeSync, fstatSync, readSync, writeSync } from 'node:fs';
import { encodeFrame, parseHeader, parsePrefix, ProtocolError } from './frames.mjs';

const READ_SIZE = 256 * 1024;

export class ConnectionDropped extends Error {
  name = 'ConnectionDropped';
}

/** Sleeps the thread (a non-blocking fd with nothing to read yet). */
const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export class PipeTransport {
  constructor(eventsFd, answersFd) {
    this.rfd = eventsFd;
    this.wfd = answersFd;
    this.buf = Buffer.alloc(0);
    this.rbuf = Buffer.allocUnsafe(READ_SIZE);
    this.announced = false;
  }

  /** From SKYSCALE_RUNTIME_PIPE ("3,4"); null when the fds are not there. */
  static open(spec) {
    const fds = String(spec ?? '').split(',').map((x) => Number.parseInt(x, 10));
    if (fds.length !== 2 || fds.some((fd) => !Number.isInteger(fd) || fd < 0)) return null;
    try {
      for (const fd of fds) fstatSync(fd);
    } catch {
      return null;
    }
    return new PipeTransport(fds[0], fds[1]);
  }

  close() {
    for (const fd of [this.rfd, this.wfd]) {
      try { closeSync(fd); } catch { /* already closed */ }
    }
  }

  send(header, body = Buffer.alloc(0)) {
    const data = encodeFrame(header, body);
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.wfd, data, off, data.length - off);
      } catch (err) {
        if (err.code !== 'EAGAIN') throw err;
        pause(1);
      }
    }
  }

  readExactly(n) {
    while (this.buf.length < n) {
      let got;
      const want = n - this.buf.length;
      const into = want > this.rbuf.length ? Buffer.allocUnsafe(want) : this.rbuf;
      try {
        got = readSync(this.rfd, into, 0, into.length, null);
      } catch (err) {
        if (err.code === 'EAGAIN') { pause(1); continue; }
        if (err.code === 'EOF') got = 0;
        else throw err;
      }
      if (got === 0) throw new ConnectionDropped('the agent closed the runtime pipe');
      this.buf = Buffer.concat([this.buf, into.subarray(0, got)]);
    }
    const data = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return Buffer.from(data);
  }

  readFrame() {
    const [headerLen, bodyLen] = parsePrefix(this.readExactly(8));
    const header = parseHeader(this.readExactly(headerLen));
    return [header, this.readExactly(bodyLen)];
  }

  expect(type) {
    const [header, body] = this.readFrame();
    if (header.type !== type) throw new ProtocolError(`expected ${type} from the agent, got ${header.type}`);
    return [header, body];
  }

  /** Prestart: say the runtime is loaded and waiting; take the function assigned. */
  awaitAssignment() {
    this.send({ type: 'prestarted' });
    return this.expect('assignment')[0];
  }

  /** The next invocation: {requestId, deadlineMs, invokedFunctionArn, traceId, clientContext, body}. */
  async next() {
    if (!this.announced) { // init is over: the agent reports it now
      this.send({ type: 'next' });
      this.announced = true;
    }
    const [h, body] = this.expect('invoke');
    return {
      requestId: String(h.requestId ?? ''),
      deadlineMs: Number(h.deadlineMs),
      invokedFunctionArn: String(h.invokedFunctionArn ?? ''),
      traceId: String(h.traceId ?? ''),
      clientContext: h.clientContext ? String(h.clientContext) : '',
      body,
    };
  }

  async answer(requestId, result, error) {
    const maxRssKb = peakRssKb();
    if (error === undefined) this.send({ type: 'response', requestId, maxRssKb }, result);
    else this.send({ type: 'error', requestId, errorType: error.errorType, maxRssKb }, Buffer.from(JSON.stringify(error), 'utf8'));
  }

  async initError(error) {
    this.send({ type: 'init_error', errorType: error.errorType }, Buffer.from(JSON.stringify(error), 'utf8'));
  }
}

/** The runtime's peak resident memory in kB (VmHWM), 0 when unknown. */
export function peakRssKb() {
  try {
    return process.resourceUsage().maxRSS;
  } catch {
    return 0;
  }
}

const API_PREFIX = '/2018-06-01/runtime';
const ERROR_TYPE_HEADER = 'Lambda-Runtime-Function-Error-Type';

/** The Lambda Runtime API over HTTP (node:http, one kept-alive connection). */
export class HTTPTransport {
  constructor(address) {
    this.address = address;
    this.http = null;
    this.agent = null;
  }

  async request(method, path, body, headers = {}) {
    if (!this.http) {
      this.http = await import('node:http');
      this.agent = new this.http.Agent({ keepAlive: true, maxSockets: 1 });
    }
    const [host, port] = splitAddress(this.address);
    return new Promise((resolve, reject) => {
      const req = this.http.request({ host, port, method, path, agent: this.agent, headers: { ...headers, 'Content-Length': body ? body.length : 0 } }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  async next() {
    const res = await this.request('GET', `${API_PREFIX}/invocation/next`);
    if (res.status !== 200) throw new Error(`GET ${API_PREFIX}/invocation/next answered ${res.status}: ${res.body.subarray(0, 200)}`);
    const h = res.headers;
    return {
      requestId: String(h['lambda-runtime-aws-request-id'] ?? ''),
      deadlineMs: Number(h['lambda-runtime-deadline-ms']),
      invokedFunctionArn: String(h['lambda-runtime-invoked-function-arn'] ?? ''),
      traceId: String(h['lambda-runtime-trace-id'] ?? ''),
      clientContext: String(h['lambda-runtime-client-context'] ?? ''),
      body: res.body,
    };
  }

  async answer(requestId, result, error) {
    const path = `${API_PREFIX}/invocation/${requestId}/`;
    const res = error === undefined
      ? await this.request('POST', `${path}response`, result, { 'Content-Type': 'application/json' })
      : await this.request('POST', `${path}error`, Buffer.from(JSON.stringify(error), 'utf8'), { 'Content-Type': 'application/json', [ERROR_TYPE_HEADER]: error.errorType });
    if (res.status >= 300) {
      // the agent reports what went wrong (e.g. 413 too large); keep serving
      process.stderr.write(`[skyscale] runtime API answered ${res.status} to ${requestId}: ${res.body.subarray(0, 200)}\n`);
    }
  }

  async initError(error) {
    await this.request('POST', `${API_PREFIX}/init/error`, Buffer.from(JSON.stringify(error), 'utf8'), { 'Content-Type': 'application/json', [ERROR_TYPE_HEADER]: error.errorType });
  }
}

function splitAddress(address) {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1';
  return [host, Number(address.slice(i + 1))];
}
