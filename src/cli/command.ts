// Commands are data: a name, a one-line summary, typed options, and a handler. main.ts
// registers them in one list; --json and --name are shared so they mean the same
// everywhere.
import type { ParseArgsConfig } from 'node:util';
import { ApiClient, clientSettings } from './api-client.js';
import { CliError } from './cli-error.js';
import { functionHere } from './function-here.js';

export type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | boolean[] | undefined>;

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  json: boolean;
  out(text: string): void;
  err(text: string): void;
  client(): ApiClient;
  readStdin(): Promise<Buffer>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options: Options;
  run(values: Values, positionals: string[], ctx: CommandContext): Promise<number>;
}

export const NAME_OPTION: Options = { name: { type: 'string', short: 'n' } };
export const PAYLOAD_OPTIONS: Options = {
  payload: { type: 'string', short: 'p' },
  'payload-file': { type: 'string' },
};

/**
 * --name N, or the first positional argument (`skyscale deploy hello_fire`), or, in a
 * function's folder (one holding skyscale.json), that function.
 */
export function requireName(values: Values, positionals: string[], usage: string): string {
  const name = (values.name as string | undefined) ?? positionals[0] ?? functionHere();
  if (!name) throw new CliError('MissingArgument', 'a function name is required', `usage: ${usage} (or run it in the function's folder, the one with skyscale.json)`);
  return name;
}

/** The event: --payload JSON, --payload-file F, or `--payload -` for stdin; default {}. */
export async function readPayload(values: Values, ctx: CommandContext): Promise<Buffer> {
  const file = values['payload-file'] as string | undefined;
  const inline = values.payload as string | undefined;
  let bytes: Buffer;
  if (file !== undefined) {
    const { readFile } = await import('node:fs/promises');
    bytes = await readFile(file).catch((e: Error) => { throw new CliError('PayloadFileUnreadable', `cannot read ${file}: ${e.message}`); });
  } else if (inline === '-') {
    bytes = await ctx.readStdin();
  } else {
    bytes = Buffer.from(inline ?? '{}');
  }
  if (bytes.toString('utf8').trim() === '') return Buffer.from('{}');
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new CliError('InvalidPayload', `the payload is not valid JSON: ${(e as Error).message}`, `for example: --payload '{"name":"Ada"}'`);
  }
  return bytes;
}

export function defaultClient(env: NodeJS.ProcessEnv): () => ApiClient {
  let client: ApiClient | null = null;
  return () => (client ??= new ApiClient(clientSettings(env)));
}

/** Pretty-prints JSON bytes; leaves anything else as text. */
export function formatPayload(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function table(rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
