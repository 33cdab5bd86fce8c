// Size limits, in one place (Lambda's where Lambda has one).

/** A synchronous invocation's request and response payload (Lambda: 6 MB). */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** What one invocation's log keeps; the agent cuts the rest and says so. */
export const LOG_LIMIT_BYTES = 256 * 1024;
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
