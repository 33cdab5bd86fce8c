// The JSON schemas of the Lambda API's routes: the constraints the AWS API model
// declares for each request member (required members, JSON types, patterns, lengths,
// ranges, allowed values), checked by Fastify before the route runs and answered as
// AWS answers them (ValidationException, or InvalidRequestContentException for a
// member of the wrong type). What Skyscale supports within them (runtimes, Zip code
// only, no weighted aliases) is the routes' and the registry's to refuse, with
// InvalidParameterValueException. Members Skyscale ignores (Layers …) are let
// through, as AWS lets through members it does not know.
import { LIMITS } from '../../model/function-config.js';

const text = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;

/** A name, name:qualifier, or a partial or full function ARN (with Skyscale's region "local" among the regions). */
const FUNCTION_NAME = {
  type: 'string', minLength: 1, maxLength: 170,
  pattern: '^(arn:(aws[a-zA-Z-]*)?:lambda:[a-z0-9-]+:[0-9]{12}:function:|[0-9]{12}:function:)?[a-zA-Z0-9_-]+(:(\\$LATEST|[a-zA-Z0-9_-]+))?$',
} as const;
const ALIAS_NAME = { type: 'string', minLength: 1, maxLength: 128, pattern: '^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$' } as const;
const FUNCTION_VERSION = { type: 'string', minLength: 1, maxLength: 1024, pattern: '^(\\$LATEST|[0-9]+)$' } as const;
const QUALIFIER = { type: 'string', maxLength: 128, pattern: '^(|[a-zA-Z0-9$_-]+)$' } as const;
/** A function URL belongs to the function or to an alias: not to $LATEST or a version number. */
const URL_QUALIFIER = { type: 'string', maxLength: 128, pattern: '^((?!^[0-9]+$)([a-zA-Z0-9_-]+))?$' } as const;
/** AWS's pattern, written as AWS prints it in its ValidationException (anchors aside). */
const ROLE = { type: 'string', pattern: '^arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$' } as const;
const DESCRIPTION = { type: 'string', maxLength: 256 } as const;
const REVISION_ID = text;
const TAGS = { type: 'object', additionalProperties: text } as const;

const SETTINGS = {
  Role: ROLE,
  Runtime: text,
  Handler: { type: 'string', maxLength: 128, pattern: '^[^\\s]+$' },
  Description: DESCRIPTION,
  Timeout: { type: 'integer', minimum: 1 },
  MemorySize: { type: 'integer', minimum: LIMITS.memoryMb.min, maximum: LIMITS.memoryMb.max },
  Environment: { type: 'object', properties: { Variables: { type: 'object', additionalProperties: text } } },
} as const;

const CODE = { ZipFile: text, S3Bucket: text, S3Key: text, S3ObjectVersion: text, ImageUri: text } as const;

const PAGE = { Marker: text, MaxItems: { type: 'integer', minimum: 1, maximum: 10_000 } } as const;

const fn = { type: 'object', required: ['FunctionName'], properties: { FunctionName: FUNCTION_NAME } } as const;
const fnAndAlias = { type: 'object', required: ['FunctionName', 'Name'], properties: { FunctionName: FUNCTION_NAME, Name: ALIAS_NAME } } as const;
const qualified = { type: 'object', properties: { Qualifier: QUALIFIER } } as const;

export const functionByName = { params: fn } as const;
export const qualifiedFunction = { params: fn, querystring: qualified } as const;

export const createFunction = {
  body: {
    type: 'object', required: ['FunctionName', 'Role', 'Code'],
    properties: { FunctionName: FUNCTION_NAME, ...SETTINGS, Code: { type: 'object', properties: CODE }, Publish: flag, PackageType: { type: 'string', enum: ['Zip', 'Image'] }, Tags: TAGS },
  },
} as const;

export const listFunctions = { querystring: { type: 'object', properties: { ...PAGE, FunctionVersion: { type: 'string', enum: ['ALL'] } } } } as const;

export const updateConfiguration = { params: fn, body: { type: 'object', properties: { ...SETTINGS, RevisionId: REVISION_ID } } } as const;

export const updateCode = { params: fn, body: { type: 'object', properties: { ...CODE, Publish: flag, DryRun: flag, RevisionId: REVISION_ID } } } as const;

export const publishVersion = { params: fn, body: { type: 'object', properties: { CodeSha256: text, Description: DESCRIPTION, RevisionId: REVISION_ID } } } as const;

export const listVersions = { params: fn, querystring: { type: 'object', properties: PAGE } } as const;

const ROUTING = { type: 'object', properties: { AdditionalVersionWeights: { type: 'object', additionalProperties: { type: 'number', minimum: 0, maximum: 1 } } } } as const;

export const createAlias = {
  params: fn,
  body: { type: 'object', required: ['Name', 'FunctionVersion'], properties: { Name: ALIAS_NAME, FunctionVersion: FUNCTION_VERSION, Description: DESCRIPTION, RoutingConfig: ROUTING } },
} as const;

export const listAliases = { params: fn, querystring: { type: 'object', properties: { ...PAGE, FunctionVersion: FUNCTION_VERSION } } } as const;

export const aliasByName = { params: fnAndAlias } as const;

export const updateAlias = {
  params: fnAndAlias,
  body: { type: 'object', properties: { FunctionVersion: FUNCTION_VERSION, Description: DESCRIPTION, RoutingConfig: ROUTING, RevisionId: REVISION_ID } },
} as const;

export const invoke = {
  params: fn,
  querystring: qualified,
  headers: {
    type: 'object',
    properties: { 'x-amz-invocation-type': { type: 'string', enum: ['RequestResponse', 'Event', 'DryRun'] }, 'x-amz-log-type': { type: 'string', enum: ['None', 'Tail'] } },
  },
} as const;

export const putConcurrency = { params: fn, body: { type: 'object', required: ['ReservedConcurrentExecutions'], properties: { ReservedConcurrentExecutions: { type: 'integer', minimum: 0 } } } } as const;

/** A function URL's CORS settings, as the AWS model constrains them. */
const HEADERS = { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 1024 } } as const;
const CORS = {
  type: 'object',
  properties: {
    AllowCredentials: flag,
    AllowHeaders: HEADERS,
    AllowMethods: { type: 'array', maxItems: 6, items: { type: 'string', maxLength: 6 } },
    AllowOrigins: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 253 } },
    ExposeHeaders: HEADERS,
    MaxAge: { type: 'integer', minimum: 0, maximum: 86400 },
  },
} as const;
const URL_CONFIG = { Cors: CORS, InvokeMode: { type: 'string', enum: ['BUFFERED', 'RESPONSE_STREAM'] } } as const;
const AUTH_TYPE = { type: 'string', enum: ['NONE', 'AWS_IAM'] } as const;
const urlTarget = { type: 'object', properties: { Qualifier: URL_QUALIFIER } } as const;

export const urlConfig = { params: fn, querystring: urlTarget } as const;
export const createUrlConfig = { params: fn, querystring: urlTarget, body: { type: 'object', required: ['AuthType'], properties: { AuthType: AUTH_TYPE, ...URL_CONFIG } } } as const;
export const updateUrlConfig = { params: fn, querystring: urlTarget, body: { type: 'object', properties: { AuthType: AUTH_TYPE, ...URL_CONFIG } } } as const;
export const listUrlConfigs = { params: fn, querystring: { type: 'object', properties: PAGE } } as const;

/** The request bodies as the routes read them (after their schema passed). */
export interface LambdaSettingsBody {
  Role?: string;
  Runtime?: string;
  Handler?: string;
  Description?: string;
  Timeout?: number;
  MemorySize?: number;
  Environment?: { Variables?: Record<string, string> };
}

export interface CodeBody {
  ZipFile?: string;
  S3Bucket?: string;
  S3Key?: string;
  S3ObjectVersion?: string;
  ImageUri?: string;
}

export type CreateFunctionBody = LambdaSettingsBody & { FunctionName: string; Code: CodeBody; Publish?: boolean; PackageType?: 'Zip' | 'Image'; Tags?: Record<string, string> };
export type UpdateConfigurationBody = LambdaSettingsBody & { RevisionId?: string };
export type UpdateCodeBody = CodeBody & { Publish?: boolean; DryRun?: boolean; RevisionId?: string };
export type PublishVersionBody = { CodeSha256?: string; Description?: string; RevisionId?: string };
export type RoutingConfig = { AdditionalVersionWeights?: Record<string, number> };
export type CreateAliasBody = { Name: string; FunctionVersion: string; Description?: string; RoutingConfig?: RoutingConfig };
export type UpdateAliasBody = { FunctionVersion?: string; Description?: string; RoutingConfig?: RoutingConfig; RevisionId?: string };
export type PutConcurrencyBody = { ReservedConcurrentExecutions: number };
export type UrlConfigBody = { AuthType?: 'NONE' | 'AWS_IAM'; Cors?: Record<string, unknown>; InvokeMode?: 'BUFFERED' | 'RESPONSE_STREAM' };
export type PageQuery = { Marker?: string; MaxItems?: number };

/** A function's ARN, as TagResource, UntagResource and ListTags name their resource. */
const FUNCTION_ARN = {
  type: 'string', minLength: 1, maxLength: 256,
  pattern: '^arn:(aws[a-zA-Z-]*)?:lambda:[a-z0-9-]+:\\d{12}:function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?$',
} as const;
const resource = { type: 'object', required: ['Resource'], properties: { Resource: FUNCTION_ARN } } as const;
export const listTags = { params: resource } as const;
export const tagResource = { params: resource, body: { type: 'object', required: ['Tags'], properties: { Tags: TAGS } } } as const;
/** tagKeys comes once per key (?tagKeys=a&tagKeys=b): one string or a list, read by the route. */
export const untagResource = { params: resource, querystring: { type: 'object', required: ['tagKeys'] } } as const;

export type TagResourceBody = { Tags: Record<string, string> };
