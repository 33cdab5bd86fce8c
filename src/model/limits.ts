// Size limits, in one place (Lambda's where Lambda has one).

/** An asynchronous (Event) invocation's payload (Lambda: 1 MB). */
export const MAX_EVENT_PAYLOAD_BYTES = 1024 * 1024;
/** A function's reserved concurrency at most. */
export const MAX_RESERVED_CONCURRENCY = 10_000;
/** A synchronous invocation's request and response payload (Lambda: 6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** What one invocation's log keeps; the agent cuts the rest and says so. */
export const LOG_LIMIT_BYTES = 256 * 1024;
/** Invocations in one page of a function's logs (GET /v1/functions/{name}/logs?limit=) at most. */
export const LOG_PAGE_MAX_ENTRIES = 1000;
/**
 * The body of one page of logs at most: the page ends before the invocation that would
 * take it over (always after the first, which is at most a few times LOG_LIMIT_BYTES).
 */
export const LOG_PAGE_MAX_BYTES = 4 * 1024 * 1024;
/** The log tail an invoke returns with LogType Tail (Lambda: the last 4 KB). */
export const LOG_TAIL_BYTES = 4 * 1024;
/** A request body that carries settings (a function's, an alias, a key): everything but events and code. */
export const SETTINGS_BODY_LIMIT_BYTES = 256 * 1024;
/** A code package uploaded to the native API (zip, tar.gz or tar). */
export const UPLOAD_LIMIT_BYTES = 250 * 1024 * 1024;
/** A zip sent inline to the Lambda API (Lambda: 50 MB). */
export const ZIP_LIMIT_BYTES = 50 * 1024 * 1024;
/** A package unpacked (Lambda: 250 MB). */
export const UNPACKED_LIMIT_BYTES = 250 * 1024 * 1024;
