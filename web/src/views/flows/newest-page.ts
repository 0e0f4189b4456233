// The newest items of a list that the API orders oldest first and does not count
// (GET /v1/flow-instances: created_at, then id; `limit` 1–1000 and `offset`). Pure: the reading is
// passed in, so the search for the end is tested without a server (test/web/newest-page.test.ts).

/** Reads `limit` items from `offset` on, oldest first. */
export type ReadPage<T> = (offset: number, limit: number) => Promise<T[]>;

export interface Newest<T> {
  /** The newest `size` items (fewer when the list is shorter), oldest first. */
  items: T[];
  /** How many items the list has. */
  total: number;
}

/**
 * The last `size` items of the list and its length. `hint` is the length found last time: while
 * fewer than `window - size` items were added since, this is one request (`window` items from
 * `hint - size`). Otherwise the end is found by reading single items, doubling the step past
 * the known ones and then halving the gap (about 2·log2(length / window) requests), and the last
 * page is read. `window` must be larger than `size` (the API allows up to 1000).
 */
export async function readNewest<T>(read: ReadPage<T>, size: number, window: number, hint = 0): Promise<Newest<T>> {
  if (!(window > size && size > 0)) throw new RangeError('readNewest: window must be larger than size, size positive');
  const from = Math.max(0, hint - size);
  const rows = await read(from, window);
  if (rows.length < window && (rows.length >= size || from === 0)) return { items: rows.slice(-size), total: from + rows.length };
  // Indexes known to exist (`lo`, -1: none) and not to (`hi`): the length is in (lo, hi].
  let lo: number;
  let hi: number;
  if (rows.length === window) {
    lo = from + window - 1;
    let step = window;
    for (;;) {
      const probe = lo + step;
      if ((await read(probe, 1)).length === 0) {
        hi = probe;
        break;
      }
      lo = probe;
      step *= 2;
    }
  } else if (rows.length > 0) {
    // The end, but too few before it: the list is shorter than last time.
    lo = from + rows.length - 1;
    hi = from + rows.length;
  } else {
    // Nothing at `from`: the list is shorter than last time.
    lo = -1;
    hi = from;
  }
  const slack = window - size;
  while (hi - lo > slack) {
    const mid = Math.floor((lo + hi) / 2);
    if ((await read(mid, 1)).length > 0) lo = mid;
    else hi = mid;
  }
  // From here `window` items reach past the end (length <= hi <= lo + slack) and hold the last `size`.
  const start = Math.max(0, lo + 1 - size);
  const last = await read(start, window);
  return { items: last.slice(-size), total: start + last.length };
}
