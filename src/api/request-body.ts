// Request input as the API takes it. Every body arrives as raw bytes, whatever its
// content type: invocation events and code packages are passed on untouched, and
// SigV4 hashes the body exactly as it was sent. A route that declares a body schema
// takes a JSON object instead: parseDeclaredInput() parses it in the preValidation
// step (after authentication, which may need the bytes; before Fastify checks the
// schema), an empty body counting as {}. Query values arrive as text; those a route
// declares as integers (or booleans: "true", "false") are read as such there too, so their ranges are checked by
// the schema (bodies are never coerced: a "256" where a number belongs is refused).
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

interface DeclaredSchema {
  body?: unknown;
  querystring?: { properties?: Record<string, { type?: unknown }> };
}

/** Hooks the JSON parsing of declared bodies and the reading of declared integer and boolean query values into this plugin's routes. */
export function parseDeclaredInput(app: FastifyInstance, notJson = 'the request body is not valid JSON'): void {
  app.addHook('preValidation', async (req) => {
    const schema = req.routeOptions.schema as DeclaredSchema | undefined;
    if (!schema) return;
    if (schema.body) req.body = jsonBody(rawBody(req.body), notJson);
    const declared = schema.querystring?.properties;
    if (declared) {
      const query = req.query as Record<string, unknown>;
      for (const [name, s] of Object.entries(declared)) {
        const v = query[name];
        if (s.type === 'integer' && typeof v === 'string' && /^-?[0-9]{1,15}$/.test(v)) query[name] = Number(v);
        else if (s.type === 'boolean' && (v === 'true' || v === 'false')) query[name] = v === 'true';
      }
    }
  });
}

function jsonBody(bytes: Buffer, notJson: string): unknown {
  const text = bytes.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SkyscaleError('InvalidJSON', `${notJson}: ${(err as Error).message}`);
  }
}
