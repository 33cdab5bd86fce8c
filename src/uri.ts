// Percent-decoding for text that arrives from the network (paths, query strings):
// a malformed escape is no reason to fail a request, so it is kept as received.

/** decodeURIComponent, or `s` unchanged when it holds a malformed escape. */
export function decodeOrKeep(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
