// The CLI's HTTP client for the native API: endpoint and key come from the
// environment (SKYSCALE_ENDPOINT, SKYSCALE_API_KEY), then the file `skyscale login`
// writes, then the admin key a local server saved in its data dir.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error.js';

export interface ClientSettings {
  endpoint: string;
  apiKey: string | null;
}

export function cliConfigPath(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'skyscale', 'config.json');
}

export function clientSettings(env: NodeJS.ProcessEnv): ClientSettings {
  let file: Partial<ClientSettings> = {};
  const path = cliConfigPath(env);
  if (existsSync(path)) {
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as Partial<ClientSettings>;
    } catch {
      throw new CliError('InvalidCliConfig', `${path} is not valid JSON`, 'run `skyscale login` again');
    }
  }
  const localKeyFile = join(env.SKYSCALE_DATA_DIR ?? join(env.HOME ?? homedir(), '.skyscale'), 'admin-key');
  const localKey = existsSync(localKeyFile) ? readFileSync(localKeyFile, 'utf8').trim() : null;
  return {
    endpoint: (env.SKYSCALE_ENDPOINT ?? file.endpoint ?? `http://127.0.0.1:${env.SKYSCALE_PORT ?? '8080'}`).replace(/\/+$/, ''),
    apiKey: env.SKYSCALE_API_KEY ?? file.apiKey ?? localKey,
  };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export class ApiClient {
  constructor(private readonly s: ClientSettings) {}

  async request(method: string, path: string, body?: Buffer | string | object, headers: Record<string, string> = {}): Promise<ApiResponse> {
    if (!this.s.apiKey) {
      throw new CliError('NoApiKey', 'no API key is configured', 'set SKYSCALE_API_KEY, or run `skyscale login --api-key <id>.<secret>`');
    }
    const payload = body === undefined || Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
    let res: Response;
    try {
      res = await fetch(`${this.s.endpoint}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.s.apiKey}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(payload !== undefined ? { body: typeof payload === "string" ? payload : new Uint8Array(payload) } : {}),
      });
    } catch (err) {
      throw new CliError('ServerUnreachable', `cannot reach the Skyscale server at ${this.s.endpoint}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`,
        'start it with `bin/skyscale server` (or scripts/start.sh), or set SKYSCALE_ENDPOINT');
    }
    const out = { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    if (res.status >= 400) throw errorFrom(out);
    return out;
  }

  async json<T>(method: string, path: string, body?: Buffer | string | object, headers?: Record<string, string>): Promise<T> {
    const res = await this.request(method, path, body, headers);
    return (res.body.length ? JSON.parse(res.body.toString('utf8')) : {}) as T;
  }
}

function errorFrom(res: ApiResponse): CliError {
  try {
    const e = (JSON.parse(res.body.toString('utf8')) as { error?: { type?: string; message?: string; hint?: string; details?: unknown } }).error;
    if (e?.type && e.message) return new CliError(e.type, e.message, e.hint, e.details);
  } catch {
    // not our error shape: fall through
  }
  return new CliError('HttpError', `the server answered ${res.status}: ${res.body.toString('utf8').slice(0, 200)}`);
}
