/**
 * Hands out `Uint8Array`s of an exact length over one scratch buffer, for APIs that take a whole
 * array (the snapshot decoder reads `bytes.length`): the bytes are copied into the scratch and
 * the view of that length is made once and kept, so after every length up to `maxBytes` has been
 * seen once (snapshots are at most one unreliable message) none is created again.
 */

/** Exact-length views over one reused buffer. */
export class ExactViews {
  private readonly scratch: Uint8Array;
  private readonly views: (Uint8Array | undefined)[];

  constructor(readonly maxBytes: number) {
    this.scratch = new Uint8Array(maxBytes);
    this.views = new Array<Uint8Array | undefined>(maxBytes + 1).fill(undefined);
  }

  /**
   * `source[offset, offset + length)` copied into the scratch, as an array of exactly `length`
   * bytes (valid until the next call); longer than `maxBytes`: a view of `source` instead.
   */
  copy(source: Uint8Array, offset: number, length: number): Uint8Array {
    if (length > this.maxBytes) return source.subarray(offset, offset + length);
    const dst = this.scratch;
    for (let k = 0; k < length; k++) dst[k] = source[offset + k] as number;
    let view = this.views[length];
    if (view === undefined) this.views[length] = view = dst.subarray(0, length);
    return view;
  }
}
