// Reading request bodies that the native API receives as raw bytes.
import { SkyscaleError } from '../../errors.js';

export function jsonObjectBody(body: unknown): Record<string, unknown> {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : '';
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SkyscaleError('InvalidJSON', `the request body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SkyscaleError('InvalidJSON', 'the request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}
