// The CLI's HTTP client for the native API: endpoint and key come from the
// environment (SKYSCALE_ENDPOINT, SKYSCALE_API_KEY), then the file `skyscale login`
// writes, then the admin key a local server saved in its data dir. An https endpoint
// is checked against the system's certificate authorities and the one named by
// SKYSCALE_CA_CERT (or the login file), for a server with a private certificate.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { CliError } from './cli-error.js';

export interface ClientSettings {
  endpoint: string;
  apiKey: string | null;
  /** a PEM file of certificate authorities to trust beside the system's */
  caCert?: string | null;
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
  const endpoint = (env.SKYSCALE_ENDPOINT ?? file.endpoint ?? `http://127.0.0.1:${env.SKYSCALE_PORT ?? '8080'}`).replace(/\/+$/, '');
  return { endpoint: checkedEndpoint(endpoint), apiKey: env.SKYSCALE_API_KEY ?? file.apiKey ?? localKey, caCert: env.SKYSCALE_CA_CERT ?? file.caCert ?? null };
}

/** An http:// or https:// URL, else a clear error. */
export function checkedEndpoint(endpoint: string): string {
  if (!/^https?:\/\/[^/]/i.test(endpoint)) {
    throw new CliError('InvalidEndpoint', `the endpoint ${JSON.stringify(endpoint)} is not an http:// or https:// URL`, 'for example SKYSCALE_ENDPOINT=https://skyscale.example.com:8443');
  }
  return endpoint;
}

let trusted: string | null = null;

/** Adds the PEM file's certificate authorities to those this process trusts (once). */
function trustCa(file: string): void {
  if (trusted === file) return;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError('InvalidCliConfig', `cannot read the CA certificate ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'SKYSCALE_CA_CERT names a PEM file');
  }
  // newer Node releases (24.5 on, and later 22.x); older ones take the file at start, from NODE_EXTRA_CA_CERTS
  if (typeof tls.setDefaultCACertificates !== 'function') {
    throw new CliError('InvalidCliConfig', `this Node.js (${process.version}) cannot add a CA certificate once running`, `start the CLI with NODE_EXTRA_CA_CERTS=${file} instead`);
  }
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), pem]);
  trusted = file;
}

const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

export class ApiClient {
  constructor(private readonly s: ClientSettings) {}

  async request(method: string, path: string, body?: Buffer | string | object, headers: Record<string, string> = {}): Promise<ApiResponse> {
    const res = await this.send(method, path, body, headers);
    const out = { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    if (res.status >= 400) throw errorFrom(out);
    return out;
  }

  /** A GET whose body is read as it comes (an event stream); a refusal is thrown as for request(). */
  async stream(path: string, signal: AbortSignal): Promise<Response> {
    const res = await this.send('GET', path, undefined, { accept: 'text/event-stream' }, signal);
    if (res.status >= 400) throw errorFrom({ status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) });
    return res;
  }

  private async send(method: string, path: string, body: Buffer | string | object | undefined, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    if (!this.s.apiKey) {
      throw new CliError('NoApiKey', 'no API key is configured', 'set SKYSCALE_API_KEY, or run `skyscale login --api-key <id>.<secret>`');
    }
    const payload = body === undefined || Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
    if (this.s.caCert) trustCa(this.s.caCert);
    let res: Response;
    try {
      res = await fetch(`${this.s.endpoint}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.s.apiKey}`, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(payload !== undefined ? { body: typeof payload === "string" ? payload : new Uint8Array(payload) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      const cause = (err as Error & { cause?: Error & { code?: string } }).cause;
      if (cause?.code && CERTIFICATE_ERRORS.test(cause.code)) {
        throw new CliError('ServerUntrusted', `the certificate of ${this.s.endpoint} is not trusted: ${cause.message}`,
          "trust the server's certificate authority with SKYSCALE_CA_CERT=FILE (a PEM file) or `skyscale login --ca-cert FILE`");
      }
      throw new CliError('ServerUnreachable', `cannot reach the Skyscale server at ${this.s.endpoint}: ${cause?.message ?? (err as Error).message}`,
        'start it with `bin/skyscale server` (or scripts/start.sh), or set SKYSCALE_ENDPOINT');
    }
    return res;
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
