// The function settings a user writes in skyscale.json (or sends to the API): the raw,
// all-optional shape, its validation (every problem collected, not just the first),
// and the normalised FunctionSettings the registry stores.
import { SkyscaleError } from '../errors.js';
import type { FunctionSettings } from './function.js';
import { NETWORK_MODES, parseAllowlist, type NetworkMode } from './egress-policy.js';
import { asyncSettingsProblems } from './async-invocation.js';
import { isRuntimeName } from './runtimes.js';

export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const HANDLER = /^[A-Za-z0-9_\-./]*[A-Za-z0-9_]\.[A-Za-z_][A-Za-z0-9_]*$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Set by the agent for every invocation; a function may not override them.
const RESERVED_ENV = new Set(['_HANDLER', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR', 'AWS_LAMBDA_RUNTIME_API', 'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_REGION',
  'AWS_DEFAULT_REGION', 'SKYSCALE_RLIMIT_AS_BYTES', 'SKYSCALE_INVOKED_FUNCTION_ARN']);

export const DEFAULT_SETTINGS: FunctionSettings = {
  runtime: 'python3.11', handler: 'handler.handler', memoryMb: 128, timeoutS: 3, env: {}, secretEnv: {}, description: '', network: 'outbound', allow: [],
};
export const LIMITS = { memoryMb: { min: 128, max: 10240 }, timeoutS: { min: 1, max: 900 }, envBytes: 4096 } as const;

/** What a user may write; every field optional. */
export interface RawFunctionConfig {
  name?: unknown;
  runtime?: unknown;
  handler?: unknown;
  memory?: unknown;
  timeout?: unknown;
  /** name → "value", or {"secret": "value"} for a secret (stored sealed, shown masked) */
  env?: unknown;
  description?: unknown;
  /** provisioned concurrency; applied to the function, not snapshotted per version */
  minWarm?: unknown;
  /** {"maxRetryAttempts": 0-2, "maxEventAgeSeconds": 60-21600, "onSuccess", "onFailure": a function or an http(s) URL} for asynchronous invocations; the function's, not a version's */
  async?: unknown;
  /** "none" | "outbound" */
  network?: unknown;
  /** hosts, addresses or CIDR ranges, each with an optional port, that outbound traffic may reach beyond the public internet */
  allow?: unknown;
}

export function validateFunctionName(name: unknown): string[] {
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    return [`name must be 1-64 letters, digits, "-" or "_" (got ${JSON.stringify(name)})`];
  }
  return [];
}

/** How every read shows a secret env value; sent back as {"secret": "********"}, it keeps the stored value. */
export const SECRET_MASK = '********';

/**
 * Seals a new secret env value (and opens a stored one, to count it against the env
 * size limit). The server's seals with the data directory's master key; nothing else
 * stores secrets.
 */
export interface SecretSealer {
  seal(key: string, plaintext: string): string;
  open(key: string, sealed: string): string;
}

/**
 * Merges `raw` over `base` (the defaults, or the function's current settings) and
 * validates the result. Throws InvalidFunctionConfig listing every problem. Secret
 * env values are sealed with `sealer`; without one they are refused.
 */
export function normalizeSettings(raw: RawFunctionConfig, base: FunctionSettings = DEFAULT_SETTINGS, source = 'function settings', sealer?: SecretSealer): FunctionSettings {
  const problems: string[] = [];
  const out: FunctionSettings = { ...base, env: { ...base.env }, secretEnv: { ...base.secretEnv } };

  if (raw.runtime !== undefined) {
    // the shape only: which runtimes this node serves is the registry's check (model/runtimes.ts)
    if (isRuntimeName(raw.runtime)) out.runtime = raw.runtime;
    else problems.push(`runtime must be a runtime name such as python3.11 or nodejs22.x (got ${JSON.stringify(raw.runtime)})`);
  }
  if (raw.handler !== undefined) {
    if (typeof raw.handler === 'string' && HANDLER.test(raw.handler) && !raw.handler.split('/').includes('..')) out.handler = raw.handler;
    else problems.push(`handler must look like "module.function", e.g. "handler.handler" (got ${JSON.stringify(raw.handler)})`);
  }
  if (raw.memory !== undefined) {
    const { min, max } = LIMITS.memoryMb;
    if (Number.isInteger(raw.memory) && (raw.memory as number) >= min && (raw.memory as number) <= max) out.memoryMb = raw.memory as number;
    else problems.push(`memory must be a whole number of MB from ${min} to ${max} (got ${JSON.stringify(raw.memory)})`);
  }
  if (raw.timeout !== undefined) {
    const { min, max } = LIMITS.timeoutS;
    if (Number.isInteger(raw.timeout) && (raw.timeout as number) >= min && (raw.timeout as number) <= max) out.timeoutS = raw.timeout as number;
    else problems.push(`timeout must be a whole number of seconds from ${min} to ${max} (got ${JSON.stringify(raw.timeout)})`);
  }
  if (raw.env !== undefined) Object.assign(out, readEnv(raw.env, base, sealer, problems));
  if (raw.description !== undefined) {
    if (typeof raw.description === 'string' && raw.description.length <= 256) out.description = raw.description;
    else problems.push('description must be a string of at most 256 characters');
  }
  checkNetwork(raw, out, problems);
  if (raw.async !== undefined) {
    if (typeof raw.async !== 'object' || raw.async === null || Array.isArray(raw.async)) problems.push('async must be an object, e.g. {"maxRetryAttempts": 1, "maxEventAgeSeconds": 600}');
    else {
      const unknown = Object.keys(raw.async).filter((k) => !['maxRetryAttempts', 'maxEventAgeSeconds', 'onSuccess', 'onFailure'].includes(k));
      if (unknown.length) problems.push(`async takes maxRetryAttempts, maxEventAgeSeconds, onSuccess and onFailure (got ${unknown.join(', ')})`);
      problems.push(...asyncSettingsProblems(raw.async as Record<string, unknown>));
    }
  }
  if (problems.length) {
    throw new SkyscaleError('InvalidFunctionConfig', `${source} is invalid: ${problems.join('; ')}`, { details: { problems } });
  }
  return out;
}

/**
 * `env` as written: plain values and {"secret": …} ones, each name once. A secret's
 * value never appears in a problem reported.
 */
function readEnv(raw: unknown, base: FunctionSettings, sealer: SecretSealer | undefined, problems: string[]): Pick<FunctionSettings, 'env' | 'secretEnv'> {
  const env: Record<string, string> = {};
  const secretEnv: Record<string, string> = {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push('env must be an object of string values (or {"secret": "<value>"} for a secret)');
    return { env, secretEnv };
  }
  const plaintext: Record<string, string> = {}; // to measure against the size limit
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!ENV_KEY.test(key)) problems.push(`env key ${JSON.stringify(key)} is not a valid variable name`);
    else if (RESERVED_ENV.has(key)) problems.push(`env key ${key} is reserved by the runtime`);
    else if (typeof value === 'string') {
      env[key] = value;
      plaintext[key] = value;
    } else if (isSecretValue(value)) {
      const keep = value.secret === SECRET_MASK;
      const sealed = keep ? (Object.hasOwn(base.secretEnv, key) ? base.secretEnv[key] : undefined) : sealer?.seal(key, value.secret);
      if (sealed === undefined) {
        problems.push(keep ? `env.${key} is "${SECRET_MASK}", which keeps the stored secret, and there is none: send its value` : `env.${key}: secret values can only be stored by the server`);
        continue;
      }
      secretEnv[key] = sealed;
      plaintext[key] = keep ? sealer?.open(key, sealed) ?? '' : value.secret;
    } else {
      problems.push(`env.${key} must be a string, or {"secret": "<value>"} for a secret${typeof value === 'object' && value !== null ? '' : ` (got ${JSON.stringify(value)})`}`);
    }
  }
  if (Buffer.byteLength(JSON.stringify(plaintext)) > LIMITS.envBytes) problems.push(`env is larger than ${LIMITS.envBytes} bytes`);
  return { env, secretEnv };
}

function isSecretValue(value: unknown): value is { secret: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && Object.keys(value).length === 1 && typeof (value as { secret?: unknown }).secret === 'string';
}

function checkNetwork(raw: RawFunctionConfig, out: FunctionSettings, problems: string[]): void {
  if (raw.network !== undefined) {
    if ((NETWORK_MODES as readonly unknown[]).includes(raw.network)) out.network = raw.network as NetworkMode;
    else problems.push(`network must be one of ${NETWORK_MODES.join(', ')} (got ${JSON.stringify(raw.network)})`);
  }
  if (raw.allow !== undefined) {
    const { rules, problems: found } = parseAllowlist(raw.allow);
    problems.push(...found);
    out.allow = rules.map((r) => r.text);
    if (out.allow.length && out.network === 'none') problems.push('allow needs network "outbound" (with network "none" nothing is reachable)');
  }
}
