/**
 * Reused subarray views of one buffer, by offset and length: a packet path that hands out
 * `buffer.subarray(offset, offset + length)` every packet allocates a view object each time; this
 * keeps one per length seen at each of a few offsets (bounded by the buffer's size), so
 * steady-state sends allocate nothing.
 */

/**
 * Offsets a {@link ViewCache} keeps views for at once; a further offset replaces the oldest. The
 * packet composer's packets start at one of ~6 offsets (the header is 4–9 bytes, written in front
 * of the messages): with gaps in the acks the header length changes from packet to packet, and
 * dropping the views on every change cost ≈ 130 B per packet under 5 % reordering.
 */
const OFFSETS_KEPT = 8;

/** Views of `buffer` at a few offsets, cached by length. */
export class ViewCache {
  /** The views at `offset`, by length. */
  private views: (Uint8Array | undefined)[] = [];
  private offset = 0;
  private readonly offsets: number[] = [0];
  private readonly lists: (Uint8Array | undefined)[][] = [this.views];
  private replaceNext = 0;

  constructor(private readonly buffer: Uint8Array) {}

  /** The view `buffer[offset, offset + length)`, the same object for the same range while cached. */
  get(offset: number, length: number): Uint8Array {
    if (offset !== this.offset) this.switchTo(offset);
    let v = this.views[length];
    if (v === undefined) {
      v = this.buffer.subarray(offset, offset + length);
      this.views[length] = v;
    }
    return v;
  }

  /** Makes `offset` current: its kept views, or a fresh list (replacing the oldest offset's). */
  private switchTo(offset: number): void {
    this.offset = offset;
    const i = this.offsets.indexOf(offset);
    if (i >= 0) {
      this.views = this.lists[i] as (Uint8Array | undefined)[];
      return;
    }
    this.views = [];
    if (this.offsets.length < OFFSETS_KEPT) {
      this.offsets.push(offset);
      this.lists.push(this.views);
    } else {
      this.offsets[this.replaceNext] = offset;
      this.lists[this.replaceNext] = this.views;
      this.replaceNext = (this.replaceNext + 1) % OFFSETS_KEPT;
    }
  }
}
