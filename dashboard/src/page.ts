// What a page is given by the router.
export interface PageContext {
  /** aborted when the user leaves the page (stops its timers and late renders) */
  signal: AbortSignal;
  go(path: string): void;
}
