/**
 * In-place ordering of candidate ids by priority, highest first, ties by lower id — without
 * allocating: `TypedArray.prototype.sort` with a comparator copies the array and boxes every
 * non-integer comparator result, which at 50,000 entities was most of the server's per-tick garbage.
 * A heap sort is enough: the key (priority, id) is a total order, so stability does not matter.
 */

/** True when `a` goes after `b` (lower priority, or equal priority and higher id). */
function after(priority: ArrayLike<number>, a: number, b: number): boolean {
  const pa = priority[a] as number;
  const pb = priority[b] as number;
  if (pa < pb) return true;
  if (pa > pb) return false;
  return a > b; // equal (or NaN) priorities: lower id first
}

function siftDown(ids: Int32Array, priority: ArrayLike<number>, start: number, end: number): void {
  let root = start;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= end) return;
    if (child + 1 < end && after(priority, ids[child + 1] as number, ids[child] as number)) child++;
    if (!after(priority, ids[child] as number, ids[root] as number)) return;
    const t = ids[root] as number;
    ids[root] = ids[child] as number;
    ids[child] = t;
    root = child;
  }
}

/** Sorts `ids[0..n)` by `priority[id]` descending, then id ascending, in place. */
export function sortByPriority(ids: Int32Array, n: number, priority: ArrayLike<number>): void {
  for (let start = (n >> 1) - 1; start >= 0; start--) siftDown(ids, priority, start, n);
  for (let end = n - 1; end > 0; end--) {
    const t = ids[0] as number;
    ids[0] = ids[end] as number;
    ids[end] = t;
    siftDown(ids, priority, 0, end);
  }
}
