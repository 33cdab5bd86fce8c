import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paginate } from './pagination.js';

const items = Array.from({ length: 5 }, (_, i) => i);

test('pages follow NextMarker to the end, and the last page has none', () => {
  const seen: number[] = [];
  let marker: string | undefined;
  let pages = 0;
  do {
    const page = paginate(items, { MaxItems: 2, ...(marker ? { Marker: marker } : {}) });
    seen.push(...page.items);
    marker = page.next ?? undefined;
    pages++;
  } while (marker);
  assert.deepEqual(seen, items);
  assert.equal(pages, 3);
  assert.deepEqual(paginate(items, {}), { items, next: null }, 'the default page holds 50');
});

test('a Marker this server did not give out is refused', () => {
  assert.throws(() => paginate(items, { Marker: 'not-a-marker' }), /Marker/);
});
