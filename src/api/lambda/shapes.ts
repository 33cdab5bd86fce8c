// The Lambda API's wire shapes built from registry records: FunctionConfiguration,
// AliasConfiguration, function URL configs; RevisionIds; request-field mapping.
import { createHash } from 'node:crypto';
import { SkyscaleError } from '../../errors.js';
import { LIMITS, SECRET_MASK, type RawFunctionConfig } from '../../model/function-config.js';
import type { AliasRecord, FunctionRecord, FunctionSettings, FunctionUrlRecord, VersionRecord } from '../../model/function.js';
import { functionArn, LATEST, logGroupName, REGION, ROLE_ARN } from '../../model/names.js';
import { VERSION } from '../../version.js';
import type { CodeBody, LambdaSettingsBody } from './schemas.js';

export function revisionId(...parts: (string | number | null)[]): string {
  const h = createHash('sha256').update(parts.map(String).join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function latestRevision(fn: FunctionRecord): string {
  return revisionId(fn.name, LATEST, fn.latestVersion, fn.updatedAt);
}

export function aliasRevision(a: AliasRecord): string {
  return revisionId(a.functionName, a.name, a.functionVersion, a.updatedAt);
}

/** A RevisionId sent with a change must be the current one (Lambda's optimistic locking). */
export function checkRevision(given: unknown, current: string): void {
  if (given !== undefined && given !== current) {
    throw new SkyscaleError('RevisionMismatch', `RevisionId ${String(given)} is not the current one (${current}); read the resource again`);
  }
}

/** Lambda's timestamp form: 2026-01-02T03:04:05.678+0000 */
export function lambdaTime(iso: string): string {
  return iso.replace(/Z$/, '+0000');
}

export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime: string;
  Role: string;
  Handler: string;
  CodeSize: number;
  Description: string;
  Timeout: number;
  MemorySize: number;
  LastModified: string;
  CodeSha256: string;
  Version: string;
  Environment?: { Variables: Record<string, string> };
  TracingConfig: { Mode: 'PassThrough' };
  RevisionId: string;
  State: 'Active' | 'Pending';
  StateReason?: string;
  StateReasonCode?: 'Creating';
  LastUpdateStatus: 'Successful';
  PackageType: 'Zip';
  Architectures: ['x86_64'];
  EphemeralStorage: { Size: number };
  SnapStart: { ApplyOn: 'None'; OptimizationStatus: 'Off' };
  LoggingConfig: { LogFormat: 'Text'; LogGroup: string };
  RuntimeVersionConfig: { RuntimeVersionArn: string };
}

export interface AliasConfiguration {
  AliasArn: string;
  Name: string;
  FunctionVersion: string;
  Description: string;
  RevisionId: string;
}

export interface FunctionUrlConfig {
  FunctionUrl: string;
  FunctionArn: string;
  AuthType: 'NONE' | 'AWS_IAM';
  Cors?: Record<string, unknown>;
  InvokeMode: 'BUFFERED';
  CreationTime: string;
  LastModifiedTime: string;
}

/**
 * A FunctionConfiguration. For $LATEST the settings shown are those of the snapshot
 * $LATEST runs (the function's own settings before any code was deployed). Secret env
 * values show as "********".
 */
export function functionConfiguration(fn: FunctionRecord, v: VersionRecord | null, as: 'latest' | 'version'): FunctionConfiguration {
  const s = v ?? fn;
  const ready = v !== null;
  const variables = lambdaVariables(s);
  return {
    FunctionName: fn.name,
    FunctionArn: as === 'latest' ? functionArn(fn.name) : functionArn(fn.name, String(v!.version)),
    Runtime: s.runtime,
    Role: ROLE_ARN,
    Handler: s.handler,
    CodeSize: v?.codeSize ?? 0,
    Description: s.description,
    Timeout: s.timeoutS,
    MemorySize: s.memoryMb,
    LastModified: lambdaTime(as === 'latest' ? fn.updatedAt : v!.createdAt),
    CodeSha256: v ? Buffer.from(v.codeSha256, 'hex').toString('base64') : '',
    Version: as === 'latest' ? LATEST : String(v!.version),
    ...(Object.keys(variables).length ? { Environment: { Variables: variables } } : {}),
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: as === 'latest' ? latestRevision(fn) : revisionId(fn.name, v!.version, v!.createdAt),
    State: ready ? 'Active' : 'Pending',
    ...(ready ? {} : { StateReason: 'The function has no code yet: deploy a package.', StateReasonCode: 'Creating' }),
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: logGroupName(fn.name) },
    RuntimeVersionConfig: { RuntimeVersionArn: runtimeVersionArn(s.runtime) },
  };
}

/**
 * The runtime version a function runs, shaped as Lambda's
 * (`arn:aws:lambda:<region>::runtime:<64 hex>`): one per runtime and Skyscale release,
 * since a release's runtime shims are what a runtime version is here.
 */
export function runtimeVersionArn(runtime: string): string {
  return `arn:aws:lambda:${REGION}::runtime:${createHash('sha256').update(`skyscale ${VERSION} ${runtime}`).digest('hex')}`;
}

export function aliasConfiguration(a: AliasRecord): AliasConfiguration {
  return {
    AliasArn: functionArn(a.functionName, a.name), Name: a.name, FunctionVersion: String(a.functionVersion),
    Description: a.description, RevisionId: aliasRevision(a),
  };
}

export function urlConfiguration(u: FunctionUrlRecord, baseUrl: string): FunctionUrlConfig {
  return {
    FunctionUrl: `${baseUrl}/fn/${u.functionName}${u.qualifier ? `:${u.qualifier}` : ''}/`,
    FunctionArn: u.qualifier ? functionArn(u.functionName, u.qualifier) : functionArn(u.functionName),
    AuthType: u.authType,
    ...(u.cors ? { Cors: u.cors } : {}),
    InvokeMode: u.invokeMode,
    CreationTime: u.createdAt,
    LastModifiedTime: u.updatedAt,
  };
}

/** Env as the Lambda API shows it: one map of strings, secret values masked. */
function lambdaVariables(s: Pick<FunctionSettings, 'env' | 'secretEnv'>): Record<string, string> {
  const out = { ...s.env };
  for (const key of Object.keys(s.secretEnv)) out[key] = SECRET_MASK;
  return out;
}

/**
 * The Lambda request fields Skyscale honours, as the registry's settings (Role is
 * accepted and not used). The Lambda API cannot mark a value secret, so a variable
 * that is secret on `current` stays secret with the value sent, and "********" (as
 * GetFunctionConfiguration shows it) keeps its stored value: reading a configuration,
 * changing one variable and sending it back leaves the secrets as they were.
 */
export function settingsFromLambda(
  body: LambdaSettingsBody & { PackageType?: string },
  /** the runtime names this node accepts (its own and those it stands in for) */
  runtimes: readonly string[],
  current?: Pick<FunctionSettings, 'secretEnv'>,
): RawFunctionConfig {
  if (body.PackageType !== undefined && body.PackageType !== 'Zip') throw invalid('PackageType must be Zip (container images are not supported)');
  if (body.Runtime !== undefined && !runtimes.includes(body.Runtime)) {
    throw invalid(`Value ${body.Runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${runtimes.join(', ')}] or be a valid ARN`);
  }
  const measured = JSON.stringify(body.Environment?.Variables ?? {});
  if (Buffer.byteLength(measured) > LIMITS.envBytes) {
    throw invalid(`Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`);
  }
  return {
    ...(body.Runtime !== undefined ? { runtime: body.Runtime } : {}),
    ...(body.Handler !== undefined ? { handler: body.Handler } : {}),
    ...(body.MemorySize !== undefined ? { memory: body.MemorySize } : {}),
    ...(body.Timeout !== undefined ? { timeout: body.Timeout } : {}),
    ...(body.Environment !== undefined ? { env: envFromLambda(body.Environment.Variables ?? {}, current) } : {}),
    ...(body.Description !== undefined ? { description: body.Description } : {}),
  };
}

function envFromLambda(variables: Record<string, string>, current: Pick<FunctionSettings, 'secretEnv'> | undefined): Record<string, string | { secret: string }> {
  const env: Record<string, string | { secret: string }> = {};
  for (const [key, value] of Object.entries(variables)) env[key] = current && Object.hasOwn(current.secretEnv, key) ? { secret: value } : value;
  return env;
}

/** Code{ZipFile} as bytes; S3 and image sources are refused. */
export function zipFromLambda(code: CodeBody, limitBytes: number): Buffer {
  if (code.S3Bucket !== undefined || code.S3Key !== undefined || code.ImageUri !== undefined) throw invalid('only ZipFile code is supported (S3 and container images are not)');
  if (!code.ZipFile) throw invalid('ZipFile (the base64 of a zip) is required');
  const bytes = Buffer.from(code.ZipFile, 'base64');
  // a zip starts with a local file header, or (empty) with the end of its central directory
  if (bytes.length < 4 || (bytes.readUInt32LE(0) !== 0x04034b50 && bytes.readUInt32LE(0) !== 0x06054b50)) {
    throw new SkyscaleError('InvalidCodePackage', 'Could not unzip uploaded file. Please check your file, then try to upload again.');
  }
  if (bytes.length > limitBytes) throw new SkyscaleError('RequestBodyTooLarge', `the zip is ${bytes.length} bytes; the limit for a zip sent in the request is ${limitBytes} bytes`);
  return bytes;
}

export function invalid(message: string): SkyscaleError {
  return new SkyscaleError('ValidationError', message);
}
