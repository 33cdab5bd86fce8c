// Where metrics plug into the pages. The control plane serves no metrics yet
// (per-function rollups at GET /v1/functions/{name}/metrics and the node's at GET
// /v1/metrics are to come), so every slot is empty and the pages show nothing in its
// place: no made-up figures. Once those routes exist, these functions fetch them and
// draw with sparkline.ts; the pages need no change.

/** The function list's extra column (a sparkline per function), or null: none. */
export function functionListColumn(_names: string[], _signal: AbortSignal): { title: string; cell(name: string): Node } | null {
  return null;
}

/** The function page's charts (invocations, errors, p50/p99 duration, cold starts, memory over a range), or null: none. */
export function functionCharts(_name: string, _signal: AbortSignal): HTMLElement | null {
  return null;
}

/** The system page's throughput charts, or null: none. */
export function systemCharts(_signal: AbortSignal): HTMLElement | null {
  return null;
}
