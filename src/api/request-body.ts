// Request bodies as the API takes them: as raw bytes, whatever their content type.
// Invocation events and code packages are passed on untouched, and SigV4 hashes the
// body exactly as it was sent.
import type { FastifyInstance } from 'fastify';
import { SkyscaleError } from '../errors.js';

/** Every body of this plugin arrives as a Buffer. */
export function acceptRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
}

export function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

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
