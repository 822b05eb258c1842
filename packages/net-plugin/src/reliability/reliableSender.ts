/**
 * The send side of one reliable channel: a window of `Buffers.messageWindow` message ids. A
 * message gets consecutive ids (one per fragment when it is larger than `Wire.fragmentBytes`) and
 * stays in the window until every fragment is acked; the oldest unacked id is the window's base,
 * so ids in flight never span more than the window (the receiver relies on it).
 */
import { Buffers, Wire } from "../protocol/constants";
import { seqDiff, type Seq16 } from "../protocol/seq16";

/** Send window of one reliable channel (message ids are 16-bit and wrap). */
export class ReliableSender {
  private readonly size = Buffers.messageWindow;
  private readonly mask = Buffers.messageWindow - 1;
  /** Payload of each unacked id (a view of the app's message; undefined once acked). */
  readonly data: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(Buffers.messageWindow);
  /** When each id was last put in a packet, or -1 if never. */
  readonly lastSent = new Float64Array(Buffers.messageWindow);
  /** Fragment index of each id (0 for a whole message). */
  readonly fragmentIndex = new Uint16Array(Buffers.messageWindow);
  /** Fragment count of the message each id belongs to (0 for a whole message). */
  readonly fragmentCount = new Uint16Array(Buffers.messageWindow);
  private readonly ticket = new Uint32Array(Buffers.messageWindow);
  /** At the first id of a message: how many of its ids are still unacked. */
  private readonly remaining = new Uint16Array(Buffers.messageWindow);
  /** Oldest id not yet acked (with everything of its message). */
  base = 0;
  /** Next id to assign. */
  next = 0;

  /** Ids a message of `bytes` needs. */
  static idsFor(bytes: number): number {
    return bytes <= Wire.fragmentBytes ? 1 : Math.ceil(bytes / Wire.fragmentBytes);
  }

  /** Ids in flight (assigned and not released). */
  get inFlight(): number {
    return (this.next - this.base) & 0xffff;
  }

  /** True if a message of `bytes` fits in the window now. */
  canSend(bytes: number): boolean {
    return this.inFlight + ReliableSender.idsFor(bytes) <= this.size;
  }

  /** Queues a message (caller checked `canSend`); `ticket` is reported when it is fully acked. */
  send(message: Uint8Array, ticket: number): void {
    const count = ReliableSender.idsFor(message.length);
    const first = this.next & this.mask;
    for (let i = 0; i < count; i++) {
      const slot = (this.next + i) & this.mask;
      this.data[slot] =
        count === 1 ? message : message.subarray(i * Wire.fragmentBytes, (i + 1) * Wire.fragmentBytes);
      this.lastSent[slot] = -1;
      this.fragmentIndex[slot] = count === 1 ? 0 : i;
      this.fragmentCount[slot] = count === 1 ? 0 : count;
      this.ticket[slot] = ticket;
      this.remaining[slot] = 0;
    }
    this.remaining[first] = count;
    this.next = (this.next + count) & 0xffff;
  }

  /**
   * Marks id `id` acked. Returns the message's ticket when this ack completed the whole message,
   * else -1 (already acked, out of the window, or fragments still missing).
   */
  ack(id: Seq16): number {
    const offset = seqDiff(id, this.base as Seq16);
    if (offset < 0 || offset >= this.inFlight) return -1;
    const slot = id & this.mask;
    if (this.data[slot] === undefined) return -1;
    this.data[slot] = undefined;
    const firstSlot = (id - (this.fragmentIndex[slot] as number)) & this.mask;
    const left = (this.remaining[firstSlot] as number) - 1;
    this.remaining[firstSlot] = left;
    while (this.base !== this.next) {
      const s = this.base & this.mask;
      if (this.data[s] !== undefined || this.remaining[s] !== 0) break;
      this.base = (this.base + 1) & 0xffff;
    }
    return left === 0 ? (this.ticket[firstSlot] as number) : -1;
  }

  /** Forgets everything (ids restart at 0). */
  reset(): void {
    this.data.fill(undefined);
    this.remaining.fill(0);
    this.base = 0;
    this.next = 0;
  }
}
