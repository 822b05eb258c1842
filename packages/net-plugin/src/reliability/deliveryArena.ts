/**
 * Where received messages that go to the app at once are copied: a bump allocator over one
 * buffer, reset when every message copied into it has been taken (the next copy starts at 0).
 * So a taken message's bytes stay valid until the endpoint's next `receivePacket`, and steady
 * traffic allocates nothing once the buffer has reached the largest per-frame volume. Only
 * messages delivered at once use it — one held for order or reassembly takes an exclusive copy,
 * so a peer cannot make the arena keep growing with a few held bytes.
 */
import { copyBytes } from "../protocol/scratch";

/** First size: a frame's worth of game-sized messages from one peer. */
const INITIAL_ARENA_BYTES = 16 * 1024;
/** Copies start 8-byte aligned so an app may lay Float64Array/BigInt64Array views over them. */
const ALIGN_MASK = 7;

/** Bump allocator of received-message copies for one endpoint. */
export class DeliveryArena {
  /** The current buffer (replaced when it grows; earlier copies keep the old one). */
  bytes = new Uint8Array(INITIAL_ARENA_BYTES);
  private used = 0;
  /** Copies not yet taken by the app. */
  private live = 0;

  /** Copies `src[start, start + length)`; returns its offset in `bytes` (read `bytes` after the call). */
  copy(src: Uint8Array, start: number, length: number): number {
    if (this.live === 0) this.used = 0;
    if (this.used + length > this.bytes.length) {
      // Earlier copies keep the old buffer alive until they are taken; the new one is large enough.
      let size = this.bytes.length * 2;
      while (size < length) size *= 2;
      this.bytes = new Uint8Array(size);
      this.used = 0;
    }
    const at = this.used;
    copyBytes(src, start, this.bytes, at, length); // no view object per message
    this.used = (at + length + ALIGN_MASK) & ~ALIGN_MASK;
    this.live++;
    return at;
  }

  /** One copy was taken by the app. */
  release(): void {
    this.live--;
  }

  /** Forgets every copy. */
  clear(): void {
    this.live = 0;
    this.used = 0;
  }
}
