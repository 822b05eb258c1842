/**
 * A ring of preallocated entries keyed by 16-bit sequence (reliable.io's sequence buffer). It
 * remembers the newest sequence inserted; inserting a newer one clears the slots it skips over,
 * and a sequence older than the ring's window is refused (stale). Entries are reused, never
 * allocated after construction.
 */
import { seqDiff, seqLessThan, type Seq16 } from "../protocol/seq16";

const EMPTY = 0xffffffff;

/** Fixed-size ring of `T` entries keyed by wrap-safe {@link Seq16}. */
export class SequenceBuffer<T> {
  private readonly entries: T[];
  private readonly keys: Uint32Array;
  private newest = 0;
  private hasNewest = false;

  /** `size` entries made up front by `create` (size must divide 65536: a power of two ≤ 32768). */
  constructor(
    readonly size: number,
    create: () => T,
  ) {
    if (!(size > 0 && size <= 32768 && (size & (size - 1)) === 0)) {
      throw new RangeError(`SequenceBuffer size must be a power of two in 1..32768, got ${size}.`);
    }
    this.entries = Array.from({ length: size }, create);
    this.keys = new Uint32Array(size).fill(EMPTY);
  }

  /** The newest sequence inserted, or undefined while empty. */
  get newestSequence(): Seq16 | undefined {
    return this.hasNewest ? (this.newest as Seq16) : undefined;
  }

  /** True if `seq` is older than the window (it can never be inserted or found). */
  isStale(seq: Seq16): boolean {
    return this.hasNewest && seqDiff(this.newest as Seq16, seq) >= this.size;
  }

  /**
   * Claims the entry for `seq` (clearing skipped slots when it is the newest) and returns it for
   * the caller to fill; undefined if `seq` is stale.
   */
  insert(seq: Seq16): T | undefined {
    if (this.isStale(seq)) return undefined;
    if (!this.hasNewest) {
      this.hasNewest = true;
      this.newest = seq;
    } else if (seqLessThan(this.newest as Seq16, seq)) {
      const gap = Math.min(seqDiff(seq, this.newest as Seq16), this.size);
      for (let i = 1; i < gap; i++) this.keys[(this.newest + i) & (this.size - 1)] = EMPTY;
      this.newest = seq;
    }
    const index = seq & (this.size - 1);
    this.keys[index] = seq;
    return this.entries[index];
  }

  /** The entry stored for exactly `seq`, or undefined. */
  find(seq: Seq16): T | undefined {
    const index = seq & (this.size - 1);
    return this.keys[index] === seq ? this.entries[index] : undefined;
  }

  /** True if an entry for exactly `seq` is stored. */
  exists(seq: Seq16): boolean {
    return this.keys[seq & (this.size - 1)] === seq;
  }

  /** Forgets `seq` (its entry object stays allocated for reuse). */
  remove(seq: Seq16): void {
    const index = seq & (this.size - 1);
    if (this.keys[index] === seq) this.keys[index] = EMPTY;
  }

  /** Forgets everything. */
  reset(): void {
    this.keys.fill(EMPTY);
    this.hasNewest = false;
    this.newest = 0;
  }
}
