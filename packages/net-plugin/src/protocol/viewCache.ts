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

/** Views kept per offset: a few message sizes recur at the same place (e.g. 24, 30 and 40 bytes). */
const VIEWS_PER_OFFSET = 4;

/**
 * Reused subarray views of one buffer at any offset: up to {@link VIEWS_PER_OFFSET} lengths per
 * offset (the oldest replaced first). Lets a copy out of a buffer at varying offsets be one native
 * `set` without a view object per copy once the traffic repeats (memory: at most a few views per
 * byte offset of the buffer).
 */
export class OffsetViews {
  private readonly views: (Uint8Array[] | undefined)[] = [];
  private readonly next: number[] = [];

  constructor(readonly buffer: Uint8Array) {}

  /** The view `buffer[offset, offset + length)`. */
  get(offset: number, length: number): Uint8Array {
    let list = this.views[offset];
    if (list === undefined) {
      list = [];
      this.views[offset] = list;
      this.next[offset] = 0;
    }
    for (let i = 0; i < list.length; i++) {
      const v = list[i] as Uint8Array;
      if (v.length === length) return v;
    }
    const v = this.buffer.subarray(offset, offset + length);
    if (list.length < VIEWS_PER_OFFSET) list.push(v);
    else {
      const k = this.next[offset] ?? 0;
      list[k] = v;
      this.next[offset] = (k + 1) % VIEWS_PER_OFFSET;
    }
    return v;
  }
}
