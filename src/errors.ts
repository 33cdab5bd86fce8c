// The one registry of Skyscale's error types. Every error the platform reports to a
// user is a SkyscaleError with a stable `type` from this table; the HTTP status and the
// Lambda API exception name are mapped here once. docs/errors.md mirrors this table and
// errors.test.ts fails when the two drift apart.

export interface ErrorSpec {
  status: number;
  lambda: string;
  /** user errors are the caller's to fix; system faults are ours (logged with stacks). */
  kind: 'user' | 'system';
  summary: string;
}

export const ERRORS = {
  ValidationError: { status: 400, lambda: 'InvalidParameterValueException', kind: 'user', summary: 'A request field or query parameter is missing or invalid.' },
  InvalidFunctionConfig: { status: 400, lambda: 'InvalidParameterValueException', kind: 'user', summary: 'skyscale.json (or the function settings sent) is invalid.' },
  InvalidCodePackage: { status: 400, lambda: 'InvalidParameterValueException', kind: 'user', summary: 'The uploaded code is not a usable zip or tar.gz package.' },
  ConstraintViolation: { status: 400, lambda: 'ValidationException', kind: 'user', summary: 'A Lambda API request breaks a constraint of the Lambda API model (a required member missing, a pattern, length, range or allowed value); the message names the member as AWS does.' },
  InvalidJSON: { status: 400, lambda: 'InvalidRequestContentException', kind: 'user', summary: 'The request body is not valid JSON (on the Lambda API also: a member of the wrong JSON type, which AWS reports the same way).' },
  Unauthorized: { status: 401, lambda: 'UnrecognizedClientException', kind: 'user', summary: 'No API key, or an unknown or wrong one.' },
  InvalidSignature: { status: 403, lambda: 'InvalidSignatureException', kind: 'user', summary: 'A SigV4 signature does not match the request (wrong secret, altered body or headers) or its date is more than 15 minutes off.' },
  FunctionNotFound: { status: 404, lambda: 'ResourceNotFoundException', kind: 'user', summary: 'No function (or version) with that name.' },
  InvocationNotFound: { status: 404, lambda: 'ResourceNotFoundException', kind: 'user', summary: 'No invocation with that id.' },
  AliasNotFound: { status: 404, lambda: 'ResourceNotFoundException', kind: 'user', summary: 'No alias with that name for the function.' },
  FunctionUrlNotFound: { status: 404, lambda: 'ResourceNotFoundException', kind: 'user', summary: 'No function URL is configured for that function (or alias).' },
  RouteNotFound: { status: 404, lambda: 'ResourceNotFoundException', kind: 'user', summary: 'No such API route.' },
  FunctionExists: { status: 409, lambda: 'ResourceConflictException', kind: 'user', summary: 'A function with that name already exists.' },
  FunctionNotReady: { status: 409, lambda: 'ResourceConflictException', kind: 'user', summary: 'The function has no code yet: deploy a package first.' },
  AliasExists: { status: 409, lambda: 'ResourceConflictException', kind: 'user', summary: 'An alias with that name already exists.' },
  FunctionUrlExists: { status: 409, lambda: 'ResourceConflictException', kind: 'user', summary: 'The function (or alias) already has a function URL.' },
  VersionInUse: { status: 409, lambda: 'ResourceConflictException', kind: 'user', summary: 'The version is in use (an alias or $LATEST points at it) and cannot be deleted.' },
  RevisionMismatch: { status: 412, lambda: 'PreconditionFailedException', kind: 'user', summary: 'The RevisionId sent is not the current one: the resource changed since it was read.' },
  PayloadTooLarge: { status: 413, lambda: 'RequestTooLargeException', kind: 'user', summary: 'An invocation payload is over its limit (6 MB for a synchronous invocation, 1 MB for an Event one).' },
  RequestBodyTooLarge: { status: 413, lambda: 'RequestEntityTooLargeException', kind: 'user', summary: "A Lambda API request body is over the operation's limit: a zip sent in JSON over 50 MB (CreateFunction, UpdateFunctionCode), or an Invoke body over 6 MB." },
  UnsupportedMediaType: { status: 415, lambda: 'UnsupportedMediaTypeException', kind: 'user', summary: 'The request body has a content type this route does not take.' },
  TooManyRequests: { status: 429, lambda: 'TooManyRequestsException', kind: 'user', summary: 'A concurrency limit was reached and the bounded wait ran out.' },
  NodeMemoryFull: { status: 429, lambda: 'TooManyRequestsException', kind: 'user', summary: "The node's memory budget is full: a new instance's memory limit would pass it, every sandbox held is busy or starting (nothing idle to evict), and none freed up within the bounded wait." },
  DependencyBuildFailed: { status: 400, lambda: 'InvalidParameterValueException', kind: 'user', summary: "Installing the package's requirements.txt or package.json on the server failed: the message carries the installer's last lines, details.log more; nothing changed (the previous version keeps serving)." },
  DependencyBuildTimeout: { status: 400, lambda: 'InvalidParameterValueException', kind: 'user', summary: "The server's dependency build ran past its time limit (SKYSCALE_BUILD_TIMEOUT_S); nothing changed." },
  DependencyBuildTooLarge: { status: 400, lambda: 'InvalidParameterValueException', kind: 'user', summary: "The dependencies a build installed are over the build's size limit (SKYSCALE_BUILD_MAX_MB); nothing changed." },
  DependencyBuildUnavailable: { status: 503, lambda: 'ServiceException', kind: 'system', summary: 'This server cannot build dependencies: its sandboxes are not isolated or have no outbound network (process driver, not root); deploy a package that holds its dependencies instead.' },
  SandboxStartFailed: { status: 502, lambda: 'ServiceException', kind: 'system', summary: 'A sandbox could not be started.' },
  SandboxEngineUnavailable: { status: 503, lambda: 'ServiceException', kind: 'system', summary: 'The Docker engine the docker sandbox driver needs does not answer on DOCKER_HOST (or the default socket), or lacks the runtime asked for: start one with scripts/setup.sh.' },
  SandboxImageBuildFailed: { status: 502, lambda: 'ServiceException', kind: 'system', summary: 'The sandbox image could not be built in the Docker engine from the root filesystem; the message ends with the build log\'s tail.' },
  AgentProtocolMismatch: { status: 502, lambda: 'ServiceException', kind: 'system', summary: 'The agent in the sandbox speaks another version of the agent protocol than this server (an agent built from another checkout): rebuild it with scripts/setup.sh.' },
  DataDirInUse: { status: 409, lambda: 'ResourceConflictException', kind: 'user', summary: 'Another Skyscale server is using the data directory (a server refuses to start on it: they would stop each other\'s sandboxes).' },
  InternalError: { status: 500, lambda: 'ServiceException', kind: 'system', summary: 'An unexpected fault in Skyscale itself.' },
  ServerUnavailable: { status: 503, lambda: 'ServiceException', kind: 'system', summary: 'The server is starting or shutting down.' },
  CodeBlobMissing: { status: 500, lambda: 'ServiceException', kind: 'system', summary: "A version's code package is missing from the data directory's code store, or damaged there (lost in a restore, or removed by hand): deploy the function again." },
  Forbidden: { status: 403, lambda: 'AccessDeniedException', kind: 'user', summary: "The API key is valid, but its role does not allow this request, or the function is outside the key's function scope." },
  RateLimitExceeded: { status: 429, lambda: 'TooManyRequestsException', kind: 'user', summary: 'An API key (or, on a public function URL, a client address) sent more requests per second, or ran more invocations at once, than its limit; Retry-After says when to try again.' },
  EventInvokeConfigNotFound: { status: 404, lambda: 'ResourceNotFoundException', kind: 'user', summary: 'The function (or the version or alias named) has no event invoke config of its own.' },
  DeadLetterNotFound: { status: 404, lambda: 'ResourceNotFoundException', kind: 'user', summary: 'The function has no dead letter with that id (redriven or purged already, or past its retention).' },
  EventPayloadTooLarge: { status: 413, lambda: 'RequestEntityTooLargeException', kind: 'user', summary: 'An Event (asynchronous) invocation payload is over 1 MB (1048576 bytes), Lambda\'s limit for asynchronous invocations.' },
  KeyNotFound: { status: 404, lambda: 'ResourceNotFoundException', kind: 'user', summary: 'No API key with that id.' },
  InvalidSchedule: { status: 400, lambda: 'ValidationException', kind: 'user', summary: 'A schedule expression (rate or cron, naming the field at fault), its time zone or its payload is invalid, or the rate is shorter than a minute.' },
  ScheduleNotFound: { status: 404, lambda: 'ResourceNotFoundException', kind: 'user', summary: 'The function has no schedule with that name.' },
  ScheduleExists: { status: 409, lambda: 'ResourceConflictException', kind: 'user', summary: 'The function already has a schedule with that name.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorType = keyof typeof ERRORS;

/**
 * The resource an error is about (a function, and the version or alias named with it),
 * for surfaces that word the error their own way: the Lambda API names it by its ARN.
 * Not part of any answer by itself.
 */
export interface ErrorSubject {
  function: string;
  qualifier?: string;
}

export class SkyscaleError extends Error {
  readonly type: ErrorType;
  readonly details: Record<string, unknown> | undefined;
  readonly hint: string | undefined;
  readonly subject: ErrorSubject | undefined;

  constructor(type: ErrorType, message: string, opts: { details?: Record<string, unknown>; hint?: string; cause?: unknown; subject?: ErrorSubject } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SkyscaleError';
    this.type = type;
    this.details = opts.details;
    this.hint = opts.hint;
    this.subject = opts.subject;
  }

  get status(): number {
    return ERRORS[this.type].status;
  }

  get lambdaName(): string {
    return ERRORS[this.type].lambda;
  }

  get kind(): 'user' | 'system' {
    return ERRORS[this.type].kind;
  }

  /** The wire shape of the native API: `{ error: { type, message, details?, hint? } }`. */
  toJSON(): { type: ErrorType; message: string; details?: Record<string, unknown>; hint?: string } {
    return {
      type: this.type,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
      ...(this.hint ? { hint: this.hint } : {}),
    };
  }
}

