/**
 * The cap on bytes a peer can make one endpoint hold: fragments waiting for reassembly plus
 * messages waiting for the app to take them. Shared by all channels of an endpoint.
 */
import { DeliveryArena } from "./deliveryArena";

/** A received message: `buffer[offset, offset + length)`. */
export interface ReceivedMessage {
  buffer: Uint8Array;
  offset: number;
  length: number;
}

/** Bytes held for one endpoint against its limit. */
export class ReceiveBudget {
  held = 0;
  /** Where messages handed straight to the app are copied (one per endpoint). */
  readonly arena = new DeliveryArena();

  constructor(readonly limit: number) {}

  /** True if `bytes` more would still fit. */
  fits(bytes: number): boolean {
    return this.held + bytes <= this.limit;
  }
}

/** First capacity of a delivery queue (it doubles when a frame delivers more). */
const INITIAL_QUEUE_SLOTS = 64;
const EMPTY = new Uint8Array(0);

/**
 * A FIFO of received messages waiting for the app, as (buffer, offset, length) so taking one
 * creates no view; their bytes count against the budget. A ring that only grows (rarely).
 */
export class DeliveryQueue {
  private buffers: Uint8Array[] = new Array<Uint8Array>(INITIAL_QUEUE_SLOTS).fill(EMPTY);
  private offsets = new Int32Array(INITIAL_QUEUE_SLOTS);
  private lengths = new Int32Array(INITIAL_QUEUE_SLOTS);
  /** 1 when the message's bytes are in the budget's arena (released when taken). */
  private inArena = new Uint8Array(INITIAL_QUEUE_SLOTS);
  private head = 0;
  private count = 0;

  constructor(private readonly budget: ReceiveBudget) {}

  /** Messages waiting. */
  get length(): number {
    return this.count;
  }

  /** Appends `buffer[offset, offset + length)`, whose bytes are already counted in the budget. */
  push(buffer: Uint8Array, offset: number, length: number, inArena: boolean): void {
    if (this.count === this.buffers.length) this.grow();
    const i = (this.head + this.count) % this.buffers.length;
    this.buffers[i] = buffer;
    this.offsets[i] = offset;
    this.lengths[i] = length;
    this.inArena[i] = inArena ? 1 : 0;
    this.count++;
  }

  /**
   * Takes the oldest message into `out` (false when empty) and releases its bytes from the
   * budget. Arena bytes stay valid until the endpoint's next `receivePacket`.
   */
  pop(out: ReceivedMessage): boolean {
    if (this.count === 0) return false;
    const i = this.head;
    out.buffer = this.buffers[i] as Uint8Array;
    out.offset = this.offsets[i] as number;
    out.length = this.lengths[i] as number;
    this.buffers[i] = EMPTY;
    if (this.inArena[i] === 1) this.budget.arena.release();
    this.budget.held -= out.length;
    this.head = (i + 1) % this.buffers.length;
    this.count--;
    return true;
  }

  /** Drops everything (the budget and its arena are reset by their owner). */
  clear(): void {
    this.buffers.fill(EMPTY);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const n = this.buffers.length;
    const buffers = new Array<Uint8Array>(n * 2).fill(EMPTY);
    const offsets = new Int32Array(n * 2);
    const lengths = new Int32Array(n * 2);
    const inArena = new Uint8Array(n * 2);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) % n;
      buffers[k] = this.buffers[i] as Uint8Array;
      offsets[k] = this.offsets[i] as number;
      lengths[k] = this.lengths[i] as number;
      inArena[k] = this.inArena[i] as number;
    }
    this.buffers = buffers;
    this.offsets = offsets;
    this.lengths = lengths;
    this.inArena = inArena;
    this.head = 0;
  }
}
