/**
 * A transport's inbox without allocation per datagram: a ring of reusable slots, each with its
 * own byte storage (made on first use, so memory follows the deepest backlog, not the capacity),
 * into which arriving datagrams are copied. `shift()` returns one reused {@link PooledDatagram}
 * (bytes in `buffer[offset, offset + length)`), valid until the next `shift()`: the slot is not
 * reused before then, and an empty ring restarts at the slot after it, so a steady trickle cycles
 * through two or three slots instead of the whole capacity.
 */
import { EMPTY_BYTES } from "../protocol/scratch";
import type { Address, Datagram } from "./transport";

interface Slot {
  from: Address;
  bytes: Uint8Array;
  length: number;
}

/** A reusable datagram over pooled storage; `data` is a view made on first access. */
export class PooledDatagram implements Datagram {
  from: Address = "";
  buffer: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;
  private view: Uint8Array | undefined;

  /** An exact view of the bytes (allocates once per datagram; the hot path reads `buffer`). */
  get data(): Uint8Array {
    this.view ??= this.buffer.subarray(this.offset, this.offset + this.length);
    return this.view;
  }

  /** Points this datagram at new bytes. */
  set(from: Address, buffer: Uint8Array, offset: number, length: number): this {
    this.from = from;
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    this.view = undefined;
    return this;
  }
}

/** A bounded FIFO of received datagrams copied into pooled storage. */
export class DatagramRing {
  private readonly slots: (Slot | undefined)[];
  private head = 0;
  private count = 0;
  /**
   * Storage of the datagram the last `shift` handed out: `shift` swaps it with the slot's, so the
   * slot can be refilled at once while the lent bytes stay intact until the next `shift`.
   */
  private lent: Uint8Array | undefined;
  private readonly out = new PooledDatagram();

  /** Holds up to `capacity` datagrams of at most `maxBytes` bytes each. */
  constructor(
    readonly capacity: number,
    private readonly maxBytes: number,
  ) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`DatagramRing capacity must be a positive integer, got ${capacity}.`);
    }
    this.slots = new Array<Slot | undefined>(capacity).fill(undefined);
  }

  /** How many datagrams are waiting. */
  get size(): number {
    return this.count;
  }

  /** Copies `src[offset, offset + length)` from `from` in; false (nothing kept) when full or too long. */
  push(from: Address, src: Uint8Array, offset: number, length: number): boolean {
    if (this.count === this.capacity || length > this.maxBytes) return false;
    if (this.count === 0) this.head = 0; // a trickle keeps reusing the first slots
    const i = (this.head + this.count) % this.capacity;
    let slot = this.slots[i];
    if (slot === undefined) {
      slot = { from, bytes: new Uint8Array(this.maxBytes), length: 0 };
      this.slots[i] = slot;
    }
    slot.from = from;
    slot.length = length;
    if (offset === 0 && length === src.length) slot.bytes.set(src);
    else for (let k = 0; k < length; k++) slot.bytes[k] = src[offset + k] as number;
    this.count++;
    return true;
  }

  /** The oldest datagram (reused object, valid until the next `shift`), or `undefined`. */
  shift(): PooledDatagram | undefined {
    if (this.count === 0) return undefined;
    const slot = this.slots[this.head] as Slot;
    const bytes = slot.bytes;
    slot.bytes = this.lent ?? new Uint8Array(this.maxBytes);
    this.lent = bytes;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return this.out.set(slot.from, bytes, 0, slot.length);
  }

  /** Drops everything queued (storage is kept). */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
