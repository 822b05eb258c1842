/**
 * A transport's inbox without allocation per datagram: a ring of reusable slots, each with its
 * own byte storage (made on first use, so memory follows the deepest backlog, not the capacity),
 * into which arriving datagrams are copied. `shift()` returns one reused {@link Datagram} whose
 * `data` is a cached exact-length view of the slot, valid until the next `shift()` (the slot
 * is not reused before then).
 */
import { EMPTY_BYTES } from "../protocol/scratch";
import { ViewCache } from "../protocol/viewCache";
import type { Address, Datagram } from "./transport";

interface Slot {
  from: Address;
  bytes: Uint8Array;
  length: number;
  views: ViewCache;
}

/** The datagram `shift()` hands out (one object, reused). */
interface ReusedDatagram {
  from: Address;
  data: Uint8Array;
}

/** A bounded FIFO of received datagrams copied into pooled storage. */
export class DatagramRing {
  /** One more slot than the capacity: the slot last handed out stays untouched until the next shift. */
  private readonly slots: (Slot | undefined)[];
  private head = 0;
  private count = 0;
  private readonly out: ReusedDatagram = { from: "", data: EMPTY_BYTES };

  /** Holds up to `capacity` datagrams of at most `maxBytes` bytes each. */
  constructor(
    readonly capacity: number,
    private readonly maxBytes: number,
  ) {
    if (!Number.isInteger(capacity) || capacity <= 0) {
      throw new RangeError(`DatagramRing capacity must be a positive integer, got ${capacity}.`);
    }
    this.slots = new Array<Slot | undefined>(capacity + 1).fill(undefined);
  }

  /** How many datagrams are waiting. */
  get size(): number {
    return this.count;
  }

  /** Copies `src[offset, offset + length)` from `from` in; false (nothing kept) when full or too long. */
  push(from: Address, src: Uint8Array, offset: number, length: number): boolean {
    if (this.count === this.capacity || length > this.maxBytes) return false;
    // count < capacity, so this never reaches head − 1, the slot the last shift lent out.
    const i = (this.head + this.count) % this.slots.length;
    let slot = this.slots[i];
    if (slot === undefined) {
      const bytes = new Uint8Array(this.maxBytes);
      slot = { from, bytes, length: 0, views: new ViewCache(bytes) };
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
  shift(): Datagram | undefined {
    if (this.count === 0) return undefined;
    const slot = this.slots[this.head] as Slot;
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    this.out.from = slot.from;
    this.out.data = slot.views.get(0, slot.length);
    return this.out;
  }

  /** Drops everything queued (storage is kept). */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
