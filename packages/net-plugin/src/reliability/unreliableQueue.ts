/**
 * Outgoing messages of one unreliable channel between two `writePackets` calls, with their
 * tickets and (for unreliable-sequenced) 16-bit sequences assigned at send time. Bounded by
 * `Buffers.maxUnreliableQueue`; the bytes are copied into a {@link ByteRing} at `push`, and every
 * array is reused, so steady traffic allocates nothing.
 */
import { Buffers } from "../protocol/constants";
import { ByteRing } from "./byteRing";

/** A bounded FIFO of unreliable messages waiting to be packed. */
export class UnreliableQueue {
  /** The queued messages' bytes: message `i` is `ring.bytes[offset[i], offset[i] + size[i])`. */
  readonly ring = new ByteRing();
  private readonly offset = new Uint32Array(Buffers.maxUnreliableQueue);
  private readonly size = new Uint32Array(Buffers.maxUnreliableQueue);
  private readonly ticket = new Uint32Array(Buffers.maxUnreliableQueue);
  private readonly seq = new Uint16Array(Buffers.maxUnreliableQueue);
  private head = 0;
  private tail = 0;
  private nextSequence = 0;

  /** Messages waiting. */
  get length(): number {
    return this.tail - this.head;
  }

  /** Queues a copy of `src[offset, offset + length)`; false (nothing queued) when the queue is full. */
  push(src: Uint8Array, offset: number, length: number, ticket: number): boolean {
    if (this.head === this.tail) {
      this.head = this.tail = 0;
      this.ring.clear();
    }
    if (this.tail === Buffers.maxUnreliableQueue) {
      if (this.head === 0) return false;
      // Slide the live part to the front (rare: only when writes fall behind sends).
      for (let i = this.head; i < this.tail; i++) {
        this.offset[i - this.head] = this.offset[i] as number;
        this.size[i - this.head] = this.size[i] as number;
        this.ticket[i - this.head] = this.ticket[i] as number;
        this.seq[i - this.head] = this.seq[i] as number;
      }
      this.tail -= this.head;
      this.head = 0;
    }
    const at = this.ring.push(src, offset, length);
    if (this.ring.grew) {
      this.ring.grew = false;
      for (let i = this.head; i < this.tail; i++) this.offset[i] = this.ring.rebase(this.offset[i] as number);
    }
    this.offset[this.tail] = at;
    this.size[this.tail] = length;
    this.ticket[this.tail] = ticket;
    this.seq[this.tail] = this.nextSequence;
    this.nextSequence = (this.nextSequence + 1) & 0xffff;
    this.tail++;
    return true;
  }

  /** Where the oldest message starts in `ring.bytes` (queue must not be empty). */
  peekOffset(): number {
    return this.offset[this.head] as number;
  }
  /** The oldest message's length in bytes. */
  peekLength(): number {
    return this.size[this.head] as number;
  }
  /** The oldest message's ticket. */
  peekTicket(): number {
    return this.ticket[this.head] as number;
  }
  /** The oldest message's sequence. */
  peekSequence(): number {
    return this.seq[this.head] as number;
  }
  /** Removes the oldest message. */
  shift(): void {
    this.head++;
    if (this.head === this.tail) this.ring.clear();
    else this.ring.freeTo(this.offset[this.head] as number);
  }
  /** Drops everything and restarts sequences at 0. */
  clear(): void {
    this.ring.clear();
    this.head = this.tail = 0;
    this.nextSequence = 0;
  }
}
