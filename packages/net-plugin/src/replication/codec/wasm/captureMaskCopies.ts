/**
 * The capture tables' (captureTables.ts) copies of bitECS's membership arrays into their regions,
 * skipped while the region already holds what a copy would write: the same array at the same length
 * and world membership revision (membershipWatch.ts membershipRevision: no membership word of a
 * watched component can have changed since; -1: no signal, always copied), copied at least as far
 * as the listed ids reach, and the regions not placed anew since (`forget`).
 */

/**
 * `copied` of a region holding the whole array and the 0 after it. An int32, not Infinity: an
 * Infinity made `copied` a double array, and reading a double element before the function is
 * optimized allocates a number (16 B a call in a later server of a process: laterServerAllocation).
 */
const WHOLE = 0x7fffffff;

/** Per field region: what it holds, and the copy (a `set` of the whole array, or a loop to the list's end). */
export class MaskCopies {
  private readonly source: (readonly number[] | undefined)[];
  private readonly revision: number[];
  private readonly length: number[];
  /** Words from id 0 the region holds ({@link WHOLE}: the whole array and the 0 after it). */
  private readonly copied: Int32Array;
  /** Arrays copied so far (tests: the copies skipped are not counted). */
  count = 0;

  constructor(fields: number) {
    this.source = Array.from({ length: fields }, () => undefined);
    this.revision = Array.from({ length: fields }, () => -1);
    this.length = Array.from({ length: fields }, () => 0);
    this.copied = new Int32Array(fields);
  }

  /**
   * Makes field `f`'s `region` hold `m`'s words for ids below `end` (the largest listed id + 1) —
   * the whole array and a 0 after it, or, when the array is much longer, as far as `end` —
   * unless it holds them already (see the file comment).
   */
  copy(f: number, region: Int32Array, m: readonly number[], revision: number, end: number): void {
    if (
      revision >= 0 &&
      this.revision[f] === revision &&
      this.source[f] === m &&
      this.length[f] === m.length &&
      (this.copied[f] as number) >= end
    ) {
      return;
    }
    const whole = m.length <= 2 * end + 256;
    if (whole) {
      region.set(m);
      region[m.length] = 0;
    } else {
      // The world's other entities reach much further than the listed ones: only as far as the
      // largest listed id, by an indexed loop (a hole reads undefined and stores 0, as `set`).
      for (let e = 0; e < end; e++) region[e] = m[e] as number;
    }
    this.count++;
    this.source[f] = m;
    this.revision[f] = revision;
    this.length[f] = m.length;
    this.copied[f] = whole ? WHOLE : end;
  }

  /** The regions were placed anew: they hold nothing. */
  forget(): void {
    this.source.fill(undefined);
  }
}
