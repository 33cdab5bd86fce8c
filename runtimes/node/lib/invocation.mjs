// The invocation loop: take the next event, call the handler the way Lambda does
// (async, or with a callback), mark the end of its output, answer. Uncaught exceptions
// and unhandled rejections while a handler runs are that invocation's error.
import { writeSync } from 'node:fs';
import { makeContext } from './context.mjs';
import { setRequestId } from './console.mjs';
import { errorObject, FaultError, logError } from './errors.mjs';

const END_MARKER = (id) => `\x1eSKYSCALE-END ${id}\n`;

/** The invocation running now: fail() ends it with an error. */
let current;

/**
 * Route uncaught exceptions and unhandled rejections to the running invocation. Output
 * that cannot be written (the agent's end of stdout or stderr is gone) ends the runtime:
 * reporting it would write to the same broken pipe again, for ever.
 */
export function installProcessHandlers() {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => process.exit(1));
  process.on('uncaughtException', (err) => {
    if (err?.code === 'EPIPE' && err?.syscall === 'write') process.exit(1);
    if (current) current.fail(err);
    else logError('Uncaught Exception', errorObject(err));
  });
  process.on('unhandledRejection', (reason) => {
    const e = errorObject(reason);
    const error = new FaultError('Runtime.UnhandledPromiseRejection', `${e.errorType}: ${e.errorMessage}`, e.trace);
    if (current) current.fail(error);
    else logError('Unhandled Promise Rejection', errorObject(error));
  });
}

/** Resources keeping the event loop alive, other than our own polling. */
function activeResources() {
  return process.getActiveResourcesInfo().filter((r) => r !== 'Immediate').length;
}

/**
 * Resolves once the event loop holds no more than it did before the handler ran (the
 * handler's timers, sockets and requests are done): callbackWaitsForEmptyEventLoop.
 */
function emptyEventLoop(baseline) {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      process.off('beforeExit', finish);
      resolve();
    };
    process.on('beforeExit', finish);
    const poll = () => {
      if (done) return;
      if (activeResources() <= baseline) finish();
      else setTimeout(poll, 2).unref();
    };
    setImmediate(poll);
  });
}

function parseEvent(body) {
  const text = body.toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FaultError('Runtime.UnmarshalError', `Unable to unmarshal input: ${err.message}`);
  }
}

function toJson(value) {
  let text;
  try {
    text = JSON.stringify(value === undefined ? null : value);
  } catch (err) {
    throw new FaultError('Runtime.MarshalError', `Unable to stringify response body: ${err.message}`);
  }
  return Buffer.from(text ?? 'null', 'utf8');
}

/** Runs the handler for one event: {result: Buffer} or {error}. */
export function runInvocation(handler, next, fields) {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (err, value) => {
      if (settled) return;
      settled = true;
      current = undefined;
      let error;
      if (err === undefined || err === null) {
        try {
          resolve({ result: toJson(value) });
          return;
        } catch (e) {
          error = errorObject(e);
        }
      } else {
        error = errorObject(err);
      }
      logError('Invoke Error', error, next.requestId);
      resolve({ error });
    };
    current = { fail: (err) => finish(err ?? new Error(String(err))) };
    let event;
    try {
      event = parseEvent(next.body);
    } catch (err) {
      finish(err);
      return;
    }
    const baseline = activeResources();
    let context;
    const callback = (err, value) => {
      if (settled) return;
      if (context.callbackWaitsForEmptyEventLoop) void emptyEventLoop(baseline).then(() => finish(err, value));
      else finish(err, value);
    };
    context = makeContext(next, fields, callback);
    let returned;
    try {
      returned = handler(event, context, callback);
    } catch (err) {
      finish(err);
      return;
    }
    if (returned !== null && typeof returned === 'object' && typeof returned.then === 'function') {
      returned.then((v) => finish(null, v), (e) => finish(e ?? new Error(`the handler's promise was rejected with ${e}`)));
    } else if (handler.length < 3) {
      finish(null, returned); // neither a promise nor a callback: its return value
    } // else: the callback ends it
  });
}

export async function serve(transport, handler, fields) {
  for (;;) {
    const next = await transport.next();
    setRequestId(next.requestId);
    if (next.traceId) process.env._X_AMZN_TRACE_ID = next.traceId;
    else delete process.env._X_AMZN_TRACE_ID;
    const { result, error } = await runInvocation(handler, next, fields);
    // everything printed so far is this invocation's: console writes to pipes are
    // synchronous, so the marker goes after all of it
    writeSync(1, END_MARKER(next.requestId));
    setRequestId('');
    await transport.answer(next.requestId, result, error);
  }
}
