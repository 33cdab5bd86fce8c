// Errors as Lambda's Node.js runtime reports them: {errorType, errorMessage, trace}
// built from whatever was thrown (or passed to the callback), and the ERROR line in the
// log.

/** A runtime-level failure with a Lambda error type (Runtime.*). */
export class FaultError extends Error {
  constructor(errorType, message, trace) {
    super(message);
    this.name = errorType;
    this.errorType = errorType;
    this.trace = trace;
  }
}

/** The error object for a thrown value (an Error, or anything else). */
export function errorObject(value) {
  if (value instanceof FaultError) {
    return { errorType: value.errorType, errorMessage: value.message, trace: value.trace ?? stackLines(value) };
  }
  if (value instanceof Error || (value !== null && typeof value === 'object' && typeof value.message === 'string')) {
    let type = typeof value.name === 'string' && value.name ? value.name : 'Error';
    const ctor = value.constructor?.name;
    if (type === 'Error' && ctor && ctor !== 'Error' && ctor !== 'Object') type = ctor;
    return { errorType: type, errorMessage: safeString(value.message), trace: stackLines(value) };
  }
  if (typeof value === 'string') return { errorType: 'string', errorMessage: value, trace: [] };
  if (value === undefined || value === null) return { errorType: 'Error', errorMessage: String(value), trace: [] };
  let message;
  try {
    message = JSON.stringify(value) ?? String(value);
  } catch {
    message = safeString(value);
  }
  return { errorType: typeof value, errorMessage: message, trace: [] };
}

function stackLines(err) {
  try {
    return typeof err.stack === 'string' ? err.stack.split('\n') : [];
  } catch {
    return [];
  }
}

function safeString(value) {
  try {
    return String(value);
  } catch {
    return `<unprintable ${typeof value}>`;
  }
}

/** The "Invoke Error" / "Init Error" line Lambda writes to the log. */
export function logError(kind, error, requestId = '') {
  const line = `${new Date().toISOString()}\t${requestId || 'undefined'}\tERROR\t${kind} \t${JSON.stringify(error)}\n`;
  try {
    process.stderr.write(line);
  } catch { /* stderr closed by the user */ }
}
