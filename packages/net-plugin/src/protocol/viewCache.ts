/**
 * Reused subarray views of one buffer at one offset, by length: a packet path that hands out
 * `buffer.subarray(offset, offset + length)` every packet allocates a view object each time; this
 * keeps one per length seen (bounded by the buffer's size), so steady-state sends allocate nothing.
 */

/** Views of `buffer` starting at a fixed offset, cached by length. */
export class ViewCache {
  private views: (Uint8Array | undefined)[] = [];
  private offset = 0;

  constructor(private readonly buffer: Uint8Array) {}

  /** The view `buffer[offset, offset + length)`; changing `offset` drops the cached views. */
  get(offset: number, length: number): Uint8Array {
    if (offset !== this.offset) {
      this.offset = offset;
      this.views = [];
    }
    let v = this.views[length];
    if (v === undefined) {
      v = this.buffer.subarray(offset, offset + length);
      this.views[length] = v;
    }
    return v;
  }
}

/**
 * Reused subarray views of one buffer at any offset: one view per offset, replaced when the
 * length asked for at that offset changes. Lets a copy out of a buffer at varying offsets be one
 * native `set` without a view object per copy once the traffic repeats (memory: at most one view
 * per byte offset of the buffer).
 */
export class OffsetViews {
  private readonly views: (Uint8Array | undefined)[] = [];

  constructor(readonly buffer: Uint8Array) {}

  /** The view `buffer[offset, offset + length)`. */
  get(offset: number, length: number): Uint8Array {
    let v = this.views[offset];
    if (v === undefined || v.length !== length) {
      v = this.buffer.subarray(offset, offset + length);
      this.views[offset] = v;
    }
    return v;
  }
}
