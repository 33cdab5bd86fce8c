// What a route's JSON schema refused, as the error its surface answers. Fastify calls
// these formatters with the problems ajv found (all of them: allErrors is on).
// Native: a ValidationError naming each field ("memory must be an integer"). Lambda: as
// AWS words it: a body member of the wrong JSON type is InvalidRequestContentException
// ("Could not parse request body into json: …"); any other broken constraint is
// ValidationException ("1 validation error detected: Value '64' at 'memorySize' failed
// to satisfy constraint: Member must have value greater than or equal to 128").
import type { FastifySchemaValidationError } from 'fastify';
import { SkyscaleError } from '../errors.js';

/** The part of the request a problem is in, as Fastify names it. */
type SchemaErrorDataVar = 'body' | 'headers' | 'params' | 'querystring';

/** ajv's error, with the value it refused and the rule (ajv's verbose option). */
type SchemaProblem = FastifySchemaValidationError & { data?: unknown; schema?: unknown };

/** Enough to name what is wrong; a body can hold thousands of bad members. */
const MAX_LISTED = 10;

export function nativeSchemaError(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): SkyscaleError {
  const problems = withoutBranches(errors).slice(0, MAX_LISTED).map((e) => {
    const path = fieldPath(e);
    const field = path.length ? path.join('.') : dataVar === 'body' ? 'the request body' : dataVar;
    return `${field} ${nativeConstraint(e)}`;
  });
  return new SkyscaleError('ValidationError', problems.join('; '), { details: { problems } });
}

export function lambdaSchemaError(errors: FastifySchemaValidationError[], dataVar: SchemaErrorDataVar): SkyscaleError {
  const wrongType = dataVar === 'body' ? errors.find((e) => e.keyword === 'type') : undefined;
  if (wrongType) {
    const path = fieldPath(wrongType);
    const what = path.length ? `the value of ${path.join('.')}` : 'the body';
    return new SkyscaleError('InvalidJSON', `Could not parse request body into json: ${what} is not ${typeName(wrongType.params.type)}`);
  }
  const listed = (errors as SchemaProblem[]).slice(0, MAX_LISTED).map((e) => {
    return `Value ${awsValue(e)} at '${memberPath(e, dataVar).join('.')}' failed to satisfy constraint: ${lambdaConstraint(e)}`;
  });
  const count = errors.length;
  return new SkyscaleError('ConstraintViolation', `${count} validation error${count === 1 ? '' : 's'} detected: ${listed.join('; ')}`);
}

/**
 * A value that fits none of the alternatives of an anyOf is one problem ("must be a
 * string or {"secret": …}"), not one per alternative as ajv lists them.
 */
function withoutBranches(errors: FastifySchemaValidationError[]): FastifySchemaValidationError[] {
  const alternatives = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  return errors.filter((e) => e.keyword === 'anyOf' || !alternatives.some((p) => e.instancePath === p || e.instancePath.startsWith(`${p}/`)));
}

/** The alternatives of an anyOf, as a reader would write them. */
function alternatives(e: SchemaProblem): string {
  const branches = Array.isArray(e.schema) ? e.schema as { type?: unknown; required?: string[] }[] : [];
  const named = branches.map((b) => (b.type === 'object' && b.required?.length ? `{${b.required.map((r) => `"${r}": …`).join(', ')}}` : typeName(b.type)));
  return named.length ? named.join(' or ') : 'one of the allowed forms';
}

/** The field a problem is about, as path segments ([] for the whole input). */
function fieldPath(e: FastifySchemaValidationError): string[] {
  const path = e.instancePath.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (e.keyword === 'required') path.push(String(e.params.missingProperty));
  if (e.keyword === 'additionalProperties') path.push(String(e.params.additionalProperty));
  return path;
}

/** Lambda names members in lower camel case ("memorySize", "functionName", "invocationType"). */
function memberPath(e: FastifySchemaValidationError, dataVar: SchemaErrorDataVar): string[] {
  return fieldPath(e).map((s) => {
    const name = dataVar === 'headers' ? s.replace(/^x-amz-/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()) : s;
    return name.charAt(0).toLowerCase() + name.slice(1);
  });
}

function awsValue(e: SchemaProblem): string {
  if (e.keyword === 'required' || e.data === undefined || e.data === null) return 'null';
  const text = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
  return `'${text.length > 100 ? `${text.slice(0, 100)}…` : text}'`;
}

function nativeConstraint(e: FastifySchemaValidationError): string {
  const p = e.params;
  switch (e.keyword) {
    case 'type': return `must be ${typeName(p.type)}`;
    case 'required': return 'is required';
    case 'minimum': return `must be at least ${String(p.limit)}`;
    case 'maximum': return `must be at most ${String(p.limit)}`;
    case 'minLength': return `must be at least ${String(p.limit)} characters long`;
    case 'maxLength': return `must be at most ${String(p.limit)} characters long`;
    case 'pattern': return `must match ${String(p.pattern)}`;
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'additionalProperties': return 'is not a field this route takes';
    case 'anyOf': return `must be ${alternatives(e)}`;
    default: return e.message ?? `breaks the ${e.keyword} rule`;
  }
}

function lambdaConstraint(e: FastifySchemaValidationError): string {
  const p = e.params;
  switch (e.keyword) {
    case 'required': return 'Member must not be null';
    case 'minimum': return `Member must have value greater than or equal to ${String(p.limit)}`;
    case 'maximum': return `Member must have value less than or equal to ${String(p.limit)}`;
    case 'minLength': return `Member must have length greater than or equal to ${String(p.limit)}`;
    case 'maxLength': return `Member must have length less than or equal to ${String(p.limit)}`;
    // AWS prints its patterns without anchors (they match the whole value)
    case 'pattern': return `Member must satisfy regular expression pattern: ${String(p.pattern).replace(/^\^/, '').replace(/\$$/, '')}`;
    case 'enum': return `Member must satisfy enum value set: [${(p.allowedValues as unknown[]).map(String).join(', ')}]`;
    case 'type': return `Member must be ${typeName(p.type)}`;
    default: return `Member ${e.message ?? `must satisfy ${e.keyword}`}`;
  }
}

const TYPE_NAMES: Record<string, string> = { integer: 'an integer', number: 'a number', string: 'a string', boolean: 'true or false', object: 'a JSON object', array: 'an array', null: 'null' };

function typeName(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ');
}
