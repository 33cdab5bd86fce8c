// Lambda's list pagination: MaxItems per page (50 by default), and NextMarker, the
// offset of the next item as an opaque string, handed back as Marker. The route's
// schema bounds MaxItems; a Marker is checked here.
import { invalid } from './shapes.js';

const DEFAULT_PAGE = 50;

export interface Page<T> {
  items: T[];
  next: string | null;
}

export function paginate<T>(items: T[], q: { Marker?: string; MaxItems?: number }): Page<T> {
  const max = q.MaxItems ?? DEFAULT_PAGE;
  let start = 0;
  if (q.Marker) {
    start = Number(Buffer.from(q.Marker, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalid('Marker is not one this server gave out');
  }
  const end = start + max;
  return { items: items.slice(start, end), next: end < items.length ? Buffer.from(String(end)).toString('base64url') : null };
}
