/**
 * Cached prefix views for the kernels' copies into and out of wasm memory (wasmApply.ts).
 */

/** A typed array `PrefixViews` can cut. */
export type Prefixable = Uint8Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/**
 * Cached `array.subarray(0, n)` per array: copies are then one `set` (a memcpy) without a view
 * object per call — element loops were ~5× slower, and `n` (high water, largest entity) rarely
 * changes. Keyed weakly: states and memory views that go away take their entries with them.
 */
export class PrefixViews {
  private readonly cache = new WeakMap<Prefixable, Prefixable>();

  /** `array.subarray(0, n)`, made once per array and length. */
  of<T extends Prefixable>(array: T, n: number): T {
    const hit = this.cache.get(array) as T | undefined;
    if (hit !== undefined && hit.length === n) return hit;
    const view = array.subarray(0, n) as T;
    this.cache.set(array, view);
    return view;
  }
}
