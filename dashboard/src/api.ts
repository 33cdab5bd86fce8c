// Calls to the control plane's API from the page. The key the user signed in with is
// kept in sessionStorage (gone when the tab closes) and sent as a Bearer header on every
// call; cookies are never sent or set. Every refusal becomes an ApiError with the type
// and message the API answered (native `{error: {type, message, hint}}`, or the Lambda
// API's `{message}` with x-amzn-ErrorType), and a 401 signs the page out.
const STORAGE = 'skyscale.apiKey';

export const session = {
  get key(): string | null {
    return sessionStorage.getItem(STORAGE);
  },
  signIn(key: string): void {
    sessionStorage.setItem(STORAGE, key);
  },
  signOut(): void {
    sessionStorage.removeItem(STORAGE);
  },
};

export class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status: number, readonly hint?: string) {
    super(message);
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json<T>(): T;
}

export interface CallOptions {
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** a key to try instead of the session's (signing in) */
  key?: string;
}

let unauthorized: (error: ApiError) => void = () => {};

/** What happens when the API answers 401 to the session's key: back to the sign-in page. */
export function onUnauthorized(handler: (error: ApiError) => void): void {
  unauthorized = handler;
}

export async function call(method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const key = opts.key ?? session.key;
  const headers: Record<string, string> = { ...opts.headers };
  if (key) headers.authorization = `Bearer ${key}`;
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'omit', cache: 'no-store' });
  } catch (err) {
    throw new ApiError('NetworkError', `the server could not be reached: ${(err as Error).message}`, 0);
  }
  const text = await res.text();
  if (res.status >= 400) {
    const error = errorOf(res, text);
    if (res.status === 401 && opts.key === undefined) unauthorized(error);
    throw error;
  }
  return { status: res.status, headers: res.headers, text, json: <T>() => JSON.parse(text) as T };
}

/**
 * A GET whose body is read as it arrives (an event stream), with the key as a Bearer
 * header like every call (EventSource cannot send one; the key never goes in a URL).
 */
export async function openStream(path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> {
  const key = session.key;
  let res: Response;
  try {
    res = await fetch(path, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), accept: 'text/event-stream' }, credentials: 'omit', cache: 'no-store', signal });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ApiError('NetworkError', `the server could not be reached: ${(err as Error).message}`, 0);
  }
  if (res.status >= 400 || !res.body) {
    const error = errorOf(res, await res.text());
    if (res.status === 401) unauthorized(error);
    throw error;
  }
  return res.body;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await call('GET', path)).json<T>();
}

function errorOf(res: Response, text: string): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const native = (parsed as { error?: { type?: unknown; message?: unknown; hint?: unknown } } | null)?.error;
  if (native && typeof native.type === 'string' && typeof native.message === 'string') {
    return new ApiError(native.type, native.message, res.status, typeof native.hint === 'string' ? native.hint : undefined);
  }
  const lambda = parsed as { message?: unknown; Message?: unknown } | null;
  const message = typeof lambda?.message === 'string' ? lambda.message : typeof lambda?.Message === 'string' ? lambda.Message : text.slice(0, 300);
  return new ApiError(res.headers.get('x-amzn-errortype') ?? res.headers.get('x-skyscale-error-type') ?? `HTTP ${res.status}`, message || res.statusText, res.status);
}

/** A function name as it goes in a path. */
export const fnPath = (name: string) => `/v1/functions/${encodeURIComponent(name)}`;

/** The Skyscale-Settings header: JSON on one line, anything outside ASCII as \u escapes (headers carry bytes). */
export function settingsHeader(settings: object): string {
  return JSON.stringify(settings).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
