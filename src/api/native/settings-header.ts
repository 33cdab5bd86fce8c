// The settings a deploy carries beside its package: `POST /v1/functions/{name}/versions`
// takes the package as its body and, in the `Skyscale-Settings` header, the same JSON
// object PUT /v1/functions/{name} takes, so code and settings arrive in one request
// and become one snapshot. A header, not a multipart body, so that curl sends it as
// `-H "Skyscale-Settings: $(tr -d '\n' < skyscale.json)"` beside `--data-binary @f.zip`
// and the package stays the raw body it always was.
import type { FastifyRequest } from 'fastify';
import { SkyscaleError } from '../../errors.js';
import { nativeSchemaError } from '../schema-errors.js';
import { putFunction, type PutFunctionBody } from './schemas.js';

export const SETTINGS_HEADER = 'skyscale-settings';

/** The settings sent with a deploy, checked as a PUT body is; undefined when none were sent. */
export function deploySettings(req: FastifyRequest): PutFunctionBody | undefined {
  const raw = req.headers[SETTINGS_HEADER];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw invalid('send one Skyscale-Settings header');
  let settings: unknown;
  try {
    settings = JSON.parse(asUtf8(raw));
  } catch (err) {
    throw new SkyscaleError('InvalidJSON', `the Skyscale-Settings header is not valid JSON: ${(err as Error).message}`, {
      hint: 'send the settings object on one line, e.g. -H "Skyscale-Settings: $(tr -d \'\\n\' < skyscale.json)"',
    });
  }
  const validate = req.compileValidationSchema(putFunction.body);
  if (!validate(settings)) {
    const refused = nativeSchemaError(validate.errors ?? [], 'body');
    throw new SkyscaleError('ValidationError', `the Skyscale-Settings header: ${refused.message}`, { details: refused.details });
  }
  return settings as PutFunctionBody;
}

/**
 * Node reads header bytes as latin1; a client that sent UTF-8 (curl with a
 * description in another script) gets its text back. A value that is not valid UTF-8
 * is left as it came.
 */
function asUtf8(value: string): string {
  if (!/[^\x00-\x7f]/.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : value;
}

function invalid(message: string): SkyscaleError {
  return new SkyscaleError('ValidationError', message);
}

export const DEPENDENCIES_HEADER = 'skyscale-dependencies';

/**
 * Does the deploy want its dependencies built by the server? `Skyscale-Dependencies:
 * included` says the package already holds them (`skyscale deploy --local-deps`), so
 * it is taken as it comes; without the header, or with `build`, the server builds.
 */
export function wantsServerBuild(req: FastifyRequest): boolean {
  const raw = req.headers[DEPENDENCIES_HEADER];
  if (raw === undefined || raw === 'build') return true;
  if (raw === 'included') return false;
  throw invalid('the Skyscale-Dependencies header is "build" (the default: the server installs requirements.txt / package.json) or "included" (the package holds its dependencies)');
}
