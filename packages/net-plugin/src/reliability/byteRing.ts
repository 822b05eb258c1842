/**
 * FIFO storage for outgoing message bytes: `send` copies each message into it (so the app may
 * reuse its buffer at once) and the owner frees the oldest allocations as they are written
 * (unreliable) or acked (reliable). Allocations are contiguous; the ring wraps to 0 when the tail
 * of the buffer is too short, and doubles (one copy of the live bytes) when full. After a growth
 * the owner rebases the offsets it holds with {@link ByteRing.rebase}. Steady traffic allocates
 * nothing once the ring has reached its working size.
 */
import { copyBytes } from "../protocol/scratch";

/** First size of a ring: a few frames of game-sized messages. */
const INITIAL_RING_BYTES = 4096;
/**
 * Largest ring kept once it is empty again: a ring grown for a large message (up to 2 MiB in
 * flight) goes back to its first size, so big transfers do not pin memory per connection.
 */
const MAX_IDLE_RING_BYTES = 64 * 1024;

/** A growable ring of bytes allocated and freed in FIFO order. */
export class ByteRing {
  /** The backing bytes (replaced when the ring grows). */
  bytes: Uint8Array;
  /** Start of the oldest live allocation. */
  private tail = 0;
  /** Where the next allocation starts. */
  private head = 0;
  /** End of the used part before the ring wrapped to 0, or -1 when not wrapped. */
  private wrapAt = -1;
  private empty = true;
  /** How the last growth moved offsets: those ≥ `oldTail` by −oldTail, the wrapped ones by +shiftWrapped. */
  private oldTail = 0;
  private shiftWrapped = 0;

  constructor(initialBytes = INITIAL_RING_BYTES) {
    this.bytes = new Uint8Array(initialBytes);
  }

  /**
   * True after a `push` grew the ring: every offset handed out before that push must be passed
   * through {@link ByteRing.rebase}; the owner then sets it back to false.
   */
  grew = false;

  /** Copies `src[offset, offset + length)` into the ring and returns where it starts. */
  push(src: Uint8Array, offset: number, length: number): number {
    let at = this.reserve(length);
    if (at < 0) {
      this.grow(length);
      this.grew = true;
      at = this.reserve(length);
    }
    copyBytes(src, offset, this.bytes, at, length);
    return at;
  }

  /** Maps an offset handed out before the last growth to its place in the grown ring. */
  rebase(offset: number): number {
    return offset >= this.oldTail ? offset - this.oldTail : offset + this.shiftWrapped;
  }

  /** Frees everything before `offset`, the start of the oldest allocation still live. */
  freeTo(offset: number): void {
    if (this.wrapAt >= 0 && offset < this.tail) this.wrapAt = -1;
    this.tail = offset;
  }

  /** Frees everything (the next allocation starts at 0). */
  clear(): void {
    if (this.bytes.length > MAX_IDLE_RING_BYTES) {
      this.bytes = new Uint8Array(INITIAL_RING_BYTES);
    }
    this.tail = this.head = 0;
    this.wrapAt = -1;
    this.empty = true;
  }

  /** Start of `length` free contiguous bytes (and marks them used), or -1 when none. */
  private reserve(length: number): number {
    const cap = this.bytes.length;
    if (this.empty) {
      if (length > cap) return -1;
      this.tail = 0;
      this.head = length;
      this.wrapAt = -1;
      this.empty = false;
      return 0;
    }
    if (this.wrapAt < 0) {
      if (this.head + length <= cap) return this.take(length);
      // Wrap: keep at least one byte free so head never catches tail (full vs empty).
      if (length < this.tail) {
        this.wrapAt = this.head;
        this.head = 0;
        return this.take(length);
      }
      return -1;
    }
    return this.head + length < this.tail ? this.take(length) : -1;
  }

  private take(length: number): number {
    const at = this.head;
    this.head += length;
    return at;
  }

  /** Doubles (or more) the ring, copying the live bytes to its start in order. */
  private grow(need: number): void {
    const old = this.bytes;
    const wrapped = this.wrapAt >= 0;
    const firstEnd = wrapped ? this.wrapAt : this.head;
    const firstLength = this.empty ? 0 : firstEnd - this.tail;
    const secondLength = wrapped && !this.empty ? this.head : 0;
    const live = firstLength + secondLength;
    let cap = old.length * 2;
    while (cap < live + need + 1) cap *= 2;
    const next = new Uint8Array(cap);
    copyBytes(old, this.tail, next, 0, firstLength);
    copyBytes(old, 0, next, firstLength, secondLength);
    this.oldTail = this.tail;
    this.shiftWrapped = firstLength;
    this.bytes = next;
    if (!this.empty) {
      this.tail = 0;
      this.head = live;
      this.wrapAt = -1;
    }
  }
}
