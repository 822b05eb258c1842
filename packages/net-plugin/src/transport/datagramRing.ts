/**
 * A transport's inbox without allocation per datagram: a ring of reusable slots, each with its
 * own byte storage (made on first use, so memory follows the deepest backlog, not the capacity),
 * into which arriving datagrams are copied. `shift()` returns one reused {@link PooledDatagram}
 * (bytes in `buffer[offset, offset + length)`), valid until the next `shift()`: the slot is not
 * reused before then, and an empty ring restarts at the slot after it, so a steady trickle cycles
 * through two or three slots instead of the whole capacity.
 */
import { copyBytes, EMPTY_BYTES } from "../protocol/scratch";
import { ViewCache } from "../protocol/viewCache";
import type { Address, Datagram } from "./transport";

/** Byte storage with exact views of its start by length (cached: no view per datagram). */
interface Storage {
  bytes: Uint8Array;
  views: ViewCache;
}

interface Slot {
  from: Address;
  storage: Storage;
  length: number;
}

/** A reusable datagram over pooled storage: `data` is an exact (cached) view, also its `buffer`. */
export class PooledDatagram implements Datagram {
  from: Address = "";
  data: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;

  /** Same as `data` (offset 0): the range form readers of `Datagram.buffer` use. */
  get buffer(): Uint8Array {
    return this.data;
  }

  /** Points this datagram at new bytes (an exact view). */
  set(from: Address, data: Uint8Array): this {
    this.from = from;
    this.data = data;
    this.length = data.length;
    return this;
  }
}

/** New storage of `bytes` bytes. */
export function createStorage(bytes: number): Storage {
  const b = new Uint8Array(bytes);
  return { bytes: b, views: new ViewCache(b) };
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
  private lent: Storage | undefined;
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
      slot = { from, storage: createStorage(this.maxBytes), length: 0 };
      this.slots[i] = slot;
    }
    slot.from = from;
    slot.length = length;
    copyBytes(src, offset, slot.storage.bytes, 0, length);
    this.count++;
    return true;
  }

  /** The oldest datagram (reused object, valid until the next `shift`), or `undefined`. */
  shift(): PooledDatagram | undefined {
    if (this.count === 0) return undefined;
    const slot = this.slots[this.head] as Slot;
    const storage = slot.storage;
    slot.storage = this.lent ?? createStorage(this.maxBytes);
    this.lent = storage;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return this.out.set(slot.from, storage.views.get(0, slot.length));
  }

  /** Drops everything queued (storage is kept). */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
