/**
 * Outgoing messages of one unreliable channel between two `writePackets` calls, with their
 * tickets and (for unreliable-sequenced) 16-bit sequences assigned at send time. Bounded by
 * `Buffers.maxUnreliableQueue`; the arrays are reused.
 */
import { Buffers } from "../protocol/constants";

/** A bounded FIFO of unreliable messages waiting to be packed. */
export class UnreliableQueue {
  private readonly data: (Uint8Array | undefined)[] = [];
  private readonly ticket = new Uint32Array(Buffers.maxUnreliableQueue);
  private readonly seq = new Uint16Array(Buffers.maxUnreliableQueue);
  private head = 0;
  private tail = 0;
  private nextSequence = 0;

  /** Messages waiting. */
  get length(): number {
    return this.tail - this.head;
  }

  /** Queues a message; false (nothing queued) when the queue is full. */
  push(message: Uint8Array, ticket: number): boolean {
    if (this.head === this.tail) this.head = this.tail = 0;
    if (this.tail === Buffers.maxUnreliableQueue) {
      if (this.head === 0) return false;
      // Slide the live part to the front (rare: only when writes fall behind sends).
      for (let i = this.head; i < this.tail; i++) {
        this.data[i - this.head] = this.data[i];
        this.ticket[i - this.head] = this.ticket[i] as number;
        this.seq[i - this.head] = this.seq[i] as number;
      }
      this.tail -= this.head;
      this.head = 0;
    }
    this.data[this.tail] = message;
    this.ticket[this.tail] = ticket;
    this.seq[this.tail] = this.nextSequence;
    this.nextSequence = (this.nextSequence + 1) & 0xffff;
    this.tail++;
    return true;
  }

  /** The oldest message's bytes (queue must not be empty). */
  peekData(): Uint8Array {
    return this.data[this.head] as Uint8Array;
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
    this.data[this.head] = undefined;
    this.head++;
  }
  /** Drops everything and restarts sequences at 0. */
  clear(): void {
    this.data.length = 0;
    this.head = this.tail = 0;
    this.nextSequence = 0;
  }
}
