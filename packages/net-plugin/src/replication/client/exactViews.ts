/**
 * Hands out `Uint8Array`s of an exact length over one scratch buffer, for APIs that take a whole
 * array (the snapshot decoder reads `bytes.length`): the bytes are copied into the scratch and
 * returned as the view of that length. Every view (one per length up to `maxBytes`: snapshots are
 * at most one unreliable message, ~1.2 K views, ~100 KB) is made up front — made on first use,
 * a view per never-seen length kept appearing for thousands of ticks, as snapshot sizes vary.
 */

/** Exact-length views over one reused buffer. */
export class ExactViews {
  private readonly scratch: Uint8Array;
  private readonly views: Uint8Array[];

  constructor(readonly maxBytes: number) {
    this.scratch = new Uint8Array(maxBytes);
    this.views = new Array<Uint8Array>(maxBytes + 1);
    for (let n = 0; n <= maxBytes; n++) this.views[n] = this.scratch.subarray(0, n);
  }

  /**
   * `source[offset, offset + length)` copied into the scratch, as an array of exactly `length`
   * bytes (valid until the next call); longer than `maxBytes`: a view of `source` instead.
   */
  copy(source: Uint8Array, offset: number, length: number): Uint8Array {
    if (length > this.maxBytes) return source.subarray(offset, offset + length);
    const dst = this.scratch;
    for (let k = 0; k < length; k++) dst[k] = source[offset + k] as number;
    return this.views[length] as Uint8Array;
  }
}
