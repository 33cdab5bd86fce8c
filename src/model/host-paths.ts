// Text that leaves the server (error bodies, invocation records) names no file of the
// host: a system fault's message may carry one from below (ENOENT from the code store,
// a sandbox's stderr), and the data directory's layout or the user the server runs as
// are nobody else's business. The server's own log keeps the full message.

/**
 * An absolute path where a message would put one: at the start, after a space, a quote,
 * a bracket, "=" or ","; up to a space, quote, bracket, ",", ";" or ":".
 */
const ABSOLUTE_PATH = /(^|[\s'"`([=,])\/[^\s'"`)\],;:]+/g;

/** The text with every absolute path replaced by "<path>" (URLs, "a / b" and relative paths stay). */
export function withoutHostPaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, '$1<path>');
}
