import type { Datagram } from "./transport";

/**
 * A bounded FIFO of received datagrams (a ring buffer, so `push`/`shift` are O(1) and never
 * reallocate). Transports fill it from their event source and drain it in `poll()`.
 */
export class DatagramQueue {
  private readonly slots: (Datagram | undefined)[];
  private head = 0;
  private count = 0;

  /** `capacity` is the most datagrams held at once; it must be a positive integer. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`DatagramQueue capacity must be a positive integer, got ${capacity}.`);
    }
    this.slots = new Array<Datagram | undefined>(capacity).fill(undefined);
  }

  /** How many datagrams are waiting. */
  get size(): number {
    return this.count;
  }

  /** Appends a datagram; returns false (and keeps nothing) when the queue is full. */
  push(datagram: Datagram): boolean {
    if (this.count === this.capacity) return false;
    this.slots[(this.head + this.count) % this.capacity] = datagram;
    this.count++;
    return true;
  }

  /** Removes and returns the oldest datagram, or `undefined` when empty. */
  shift(): Datagram | undefined {
    if (this.count === 0) return undefined;
    const datagram = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return datagram;
  }

  /** Drops everything queued. */
  clear(): void {
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
  }
}

/** Checks a `maxDatagramSize` option and returns it (or the default); throws on misuse. */
export function checkMaxDatagramSize(value: number | undefined, fallback: number, limit: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0 || value > limit) {
    throw new RangeError(`maxDatagramSize must be an integer in 1..${limit} bytes, got ${value}.`);
  }
  return value;
}
