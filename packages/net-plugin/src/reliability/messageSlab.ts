/**
 * Storage for received messages on their way to the app. A message of 65..2048 bytes copied with
 * `slice()` gets its own off-heap ArrayBuffer (V8 keeps only ≤ 64-byte typed arrays on the heap),
 * which costs ≈ 0.3–0.6 µs per message plus its finalization in GC; a view into a shared slab
 * costs ≈ 0.08 µs. Each message is still an independent `Uint8Array` the app owns, but its
 * `.buffer` is the slab (use `byteOffset`/`byteLength`), and a message the app keeps keeps its
 * slab (SLAB_BYTES) alive. Only messages that go to the app at once may use it — a message held
 * for order or reassembly takes an exclusive copy, so a peer cannot pin many slabs with a few bytes.
 */

/**
 * Bytes per slab: 16 KiB holds ~150 100-byte messages, so a new slab (one off-heap allocation) is
 * needed every ~150 messages while a kept message pins at most 16 KiB.
 */
const SLAB_BYTES = 16 * 1024;
/** Larger messages get an exclusive copy: they are rare, and would waste a slab's tail. */
const MAX_SLAB_MESSAGE_BYTES = 2048;
/** Views start 8-byte aligned so an app may lay Float64Array/BigInt64Array views over them. */
const ALIGN_MASK = 7;

/** Bump allocator of message copies for one endpoint (its views only hold that peer's bytes). */
export class MessageSlab {
  private slab = new ArrayBuffer(SLAB_BYTES);
  private offset = 0;

  /** A copy of `src[start, start + length)` the caller owns. */
  copy(src: Uint8Array, start: number, length: number): Uint8Array {
    if (length > MAX_SLAB_MESSAGE_BYTES) return src.slice(start, start + length);
    if (this.offset + length > SLAB_BYTES) {
      this.slab = new ArrayBuffer(SLAB_BYTES);
      this.offset = 0;
    }
    const view = new Uint8Array(this.slab, this.offset, length);
    view.set(src.subarray(start, start + length));
    this.offset = (this.offset + length + ALIGN_MASK) & ~ALIGN_MASK;
    return view;
  }
}
