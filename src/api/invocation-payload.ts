// The invocation payload rules the native and the Lambda invoke routes share:
// Lambda's rule that an empty body is `{}` and anything else must be JSON (checked, then
// passed on as the bytes that came), and the log tail an invoke can return.
import { SkyscaleError } from '../errors.js';
import { LOG_TAIL_BYTES } from '../model/limits.js';

/** An empty body is `{}`; anything else must be JSON. */
export function eventBytes(body: Buffer, message = 'the invocation payload is not valid JSON'): Buffer {
  if (body.length === 0) return Buffer.from('{}');
  try {
    JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new SkyscaleError('InvalidJSON', `${message}: ${(err as Error).message}`);
  }
  return body;
}

/** The last 4 KB of the log, cut on a character boundary. */
export function tail(log: string): string {
  const bytes = Buffer.from(log, 'utf8');
  if (bytes.length <= LOG_TAIL_BYTES) return log;
  let start = bytes.length - LOG_TAIL_BYTES;
  while (start < bytes.length && (bytes[start]! & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('utf8');
}
