/**
 * A bounded inbox of (peer, bytes) messages: the plugin's receive dispatcher routes messages here
 * by their first byte, and a system in the Receive set drains them. Each message is copied into
 * one byte slab (received message bytes are only valid until the next poll), so a frame's traffic
 * allocates nothing; the slab doubles (up to `maxBytes`) only when a frame brings more bytes than
 * ever before. Full (messages or bytes) → dropped and counted.
 */

/** Initial slab size: a frame of pings/pongs or small events for a few hundred peers. */
const INITIAL_BYTES = 16 * 1024;

/** Bounded FIFO of received messages, emptied by each drain. */
export class MessageInbox {
  /** The slab every queued message is copied into (`bytes[offset, offset + length)`; replaced when it grows). */
  bytes: Uint8Array;
  /** A DataView over {@link bytes}, for fixed-layout decoders (replaced with it). */
  view: DataView;
  private readonly peers: Int32Array;
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;
  private readonly tags: Int32Array;
  private count = 0;
  private used = 0;
  private cursor = 0;
  /** Messages dropped because the inbox was full. */
  dropped = 0;
  /** Peer of the message {@link next} moved to. */
  peer = 0;
  /** Offset in {@link bytes} of the message {@link next} moved to. */
  offset = 0;
  /** Length of the message {@link next} moved to. */
  length = 0;
  /** The caller's tag of the message {@link next} moved to (e.g. the channel it arrived on). */
  tag = 0;

  /** `capacity`: most messages queued at once; `maxBytes`: most bytes queued at once. */
  constructor(
    readonly capacity: number,
    readonly maxBytes: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`MessageInbox: capacity must be an integer ≥ 1, got ${capacity}.`);
    if (!Number.isInteger(maxBytes) || maxBytes < 1)
      throw new RangeError(`MessageInbox: maxBytes must be an integer ≥ 1, got ${maxBytes}.`);
    this.peers = new Int32Array(capacity);
    this.offsets = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
    this.tags = new Int32Array(capacity);
    this.bytes = new Uint8Array(Math.min(maxBytes, INITIAL_BYTES));
    this.view = new DataView(this.bytes.buffer);
  }

  /** Messages waiting (not yet passed by {@link next}). */
  get size(): number {
    return this.count - this.cursor;
  }

  /** Copies `source[offset, offset + length)` in as one message; false (counted in `dropped`) when full. */
  push(peer: number, source: Uint8Array, offset = 0, length = source.length - offset, tag = 0): boolean {
    const end = this.used + length;
    if (this.count === this.capacity || end > this.maxBytes) {
      this.dropped++;
      return false;
    }
    if (end > this.bytes.length) this.grow(end);
    const i = this.count++;
    const at = this.used;
    this.peers[i] = peer;
    this.offsets[i] = at;
    this.lengths[i] = length;
    this.tags[i] = tag;
    const dst = this.bytes;
    // Byte by byte (no view) up to a few KiB; longer ones through one subarray.
    if (length <= 4096) for (let k = 0; k < length; k++) dst[at + k] = source[offset + k] as number;
    else dst.set(source.subarray(offset, offset + length), at);
    this.used = end;
    return true;
  }

  /**
   * Moves to the next message, oldest first (its `peer`, `offset`, `length` fields); false when
   * none is left, and the inbox is then empty for the next frame's messages.
   */
  next(): boolean {
    if (this.cursor === this.count) {
      this.clear();
      return false;
    }
    const i = this.cursor++;
    this.peer = this.peers[i] as number;
    this.offset = this.offsets[i] as number;
    this.length = this.lengths[i] as number;
    this.tag = this.tags[i] as number;
    return true;
  }

  private grow(atLeast: number): void {
    let size = this.bytes.length * 2;
    while (size < atLeast) size *= 2;
    const bytes = new Uint8Array(Math.min(size, this.maxBytes));
    bytes.set(this.bytes.subarray(0, this.used));
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer);
  }

  /** Drops every queued message. */
  clear(): void {
    this.count = 0;
    this.used = 0;
    this.cursor = 0;
  }
}
