// console.* as on Lambda: each call is one log entry
// "<ISO time>\t<request id>\t<LEVEL>\t<message>", on stdout (log, info, debug, trace) or
// stderr (warn, error), so it lands in the invocation's log in the order written.
// AWS_LAMBDA_LOG_LEVEL drops entries below it.
import { format } from 'node:util';

let requestId = 'undefined';

/** The request id put in every entry (the current invocation's). */
export function setRequestId(id) {
  requestId = id || 'undefined';
}

const LEVELS = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };

export function patchConsole(env = process.env) {
  const min = LEVELS[String(env.AWS_LAMBDA_LOG_LEVEL ?? '').toUpperCase()] ?? 0;
  const entry = (stream, level) => (...args) => {
    if (LEVELS[level] < min) return;
    let message = format(...args);
    if (level === 'TRACE') message = `Trace: ${message}\n${new Error().stack.split('\n').slice(2).join('\n')}`;
    stream.write(`${new Date().toISOString()}\t${requestId}\t${level}\t${message}\n`);
  };
  console.log = entry(process.stdout, 'INFO');
  console.info = entry(process.stdout, 'INFO');
  console.debug = entry(process.stdout, 'DEBUG');
  console.trace = entry(process.stdout, 'TRACE');
  console.warn = entry(process.stderr, 'WARN');
  console.error = entry(process.stderr, 'ERROR');
}
