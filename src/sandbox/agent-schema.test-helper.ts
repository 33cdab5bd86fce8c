// For tests: checks a frame header against contracts/agent-protocol.schema.json. Only
// the keywords that schema uses are implemented (type, const, enum, required,
// properties, additionalProperties, items, $ref), and any other keyword is an error,
// so the schema cannot grow a rule nobody checks. Strict, as the contract's tests are:
// an object field the schema does not list is reported, so a sender cannot drift from
// the contract unnoticed.
import { readFileSync } from 'node:fs';
import { repoPath } from '../paths.js';

type Schema = { [keyword: string]: unknown };

export const AGENT_SCHEMA = JSON.parse(readFileSync(repoPath('contracts/agent-protocol.schema.json'), 'utf8')) as Schema & { $defs: Record<string, Schema> };

/** The problems of value as message `name` (e.g. "host-to-agent.invoke"); empty when it conforms. */
export function schemaProblems(name: string, value: unknown): string[] {
  const def = AGENT_SCHEMA.$defs[name];
  if (!def) return [`the schema has no message ${name}`];
  const problems: string[] = [];
  check(def, value, name, problems);
  return problems;
}

const IGNORED = new Set(['description', 'title', '$schema', '$id', '$defs']);

function check(schema: Schema, value: unknown, at: string, problems: string[]): void {
  for (const [keyword, rule] of Object.entries(schema)) {
    if (IGNORED.has(keyword)) continue;
    switch (keyword) {
      case '$ref': {
        const def = AGENT_SCHEMA.$defs[String(rule).replace('#/$defs/', '')];
        if (!def) problems.push(`${at}: unresolvable $ref ${String(rule)}`);
        else check(def, value, at, problems);
        break;
      }
      case 'type': {
        const types = Array.isArray(rule) ? rule as string[] : [rule as string];
        if (!types.some((t) => isType(value, t))) problems.push(`${at} is ${JSON.stringify(value)}, want type ${types.join('|')}`);
        break;
      }
      case 'const':
        if (JSON.stringify(value) !== JSON.stringify(rule)) problems.push(`${at} is ${JSON.stringify(value)}, want ${JSON.stringify(rule)}`);
        break;
      case 'enum':
        if (!(rule as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(value))) problems.push(`${at} is ${JSON.stringify(value)}, want one of ${JSON.stringify(rule)}`);
        break;
      case 'required':
        if (isObject(value)) for (const f of rule as string[]) if (!(f in value)) problems.push(`${at} lacks ${f}`);
        break;
      case 'properties':
      case 'additionalProperties': {
        if (!isObject(value) || (keyword === 'additionalProperties' && 'properties' in schema)) break; // "properties" handles both
        const props = (schema.properties ?? {}) as Record<string, Schema>;
        const extra = schema.additionalProperties as Schema | undefined;
        for (const [field, item] of Object.entries(value)) {
          if (field in props) check(props[field]!, item, `${at}.${field}`, problems);
          else if (extra && typeof extra === 'object') check(extra, item, `${at}.${field}`, problems);
          else problems.push(`${at} has ${field}, which the schema does not list`);
        }
        break;
      }
      case 'items':
        if (Array.isArray(value)) value.forEach((item, i) => check(rule as Schema, item, `${at}[${i}]`, problems));
        break;
      default:
        problems.push(`the schema uses ${keyword}, which this checker does not implement`);
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isType(v: unknown, t: string): boolean {
  switch (t) {
    case 'object': return isObject(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'boolean': return typeof v === 'boolean';
    case 'null': return v === null;
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return Number.isInteger(v);
    default: return false;
  }
}
