/**
 * The send side of one reliable channel: a window of `Buffers.messageWindow` message ids. A
 * message gets consecutive ids (one per fragment when it is larger than `Wire.fragmentBytes`) and
 * stays in the window until every fragment is acked; the oldest unacked id is the window's base,
 * so ids in flight never span more than the window (the receiver relies on it).
 */
import { Buffers, Wire } from "../protocol/constants";
import { seqDiff, type Seq16 } from "../protocol/seq16";
import { ByteRing } from "./byteRing";

/** Send window of one reliable channel (message ids are 16-bit and wrap). */
export class ReliableSender {
  private readonly windowSize = Buffers.messageWindow;
  private readonly mask = Buffers.messageWindow - 1;
  /** Copies of the messages in flight; id `i`'s payload is `ring.bytes[offset[i], offset[i] + size[i])`. */
  readonly ring = new ByteRing();
  /** 1 while an id is unacked, 0 once acked (or never used). */
  readonly unacked = new Uint8Array(Buffers.messageWindow);
  /** Where each id's payload starts in `ring.bytes`. */
  readonly offset = new Uint32Array(Buffers.messageWindow);
  /** Payload bytes of each id. */
  readonly size = new Uint32Array(Buffers.messageWindow);
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
    return this.inFlight + ReliableSender.idsFor(bytes) <= this.windowSize;
  }

  /**
   * Queues a copy of `src[start, start + length)` (caller checked `canSend`); `ticket` is
   * reported when it is fully acked.
   */
  send(src: Uint8Array, start: number, length: number, ticket: number): void {
    const count = ReliableSender.idsFor(length);
    const first = this.next & this.mask;
    if (this.inFlight === 0) this.ring.clear();
    const at = this.ring.push(src, start, length);
    if (this.ring.grew) {
      this.ring.grew = false;
      for (let id = this.base; id !== this.next; id = (id + 1) & 0xffff) {
        const s = id & this.mask;
        this.offset[s] = this.ring.rebase(this.offset[s] as number);
      }
    }
    for (let i = 0; i < count; i++) {
      const slot = (this.next + i) & this.mask;
      const from = i * Wire.fragmentBytes;
      this.unacked[slot] = 1;
      this.offset[slot] = at + from;
      this.size[slot] = count === 1 ? length : Math.min(Wire.fragmentBytes, length - from);
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
    if (this.unacked[slot] === 0) return -1;
    this.unacked[slot] = 0;
    const firstSlot = (id - (this.fragmentIndex[slot] as number)) & this.mask;
    const left = (this.remaining[firstSlot] as number) - 1;
    this.remaining[firstSlot] = left;
    while (this.base !== this.next) {
      const s = this.base & this.mask;
      if (this.unacked[s] !== 0 || this.remaining[s] !== 0) break;
      this.base = (this.base + 1) & 0xffff;
    }
    if (this.base === this.next) this.ring.clear();
    else this.ring.freeTo(this.offset[this.base & this.mask] as number);
    return left === 0 ? (this.ticket[firstSlot] as number) : -1;
  }

  /** Forgets everything (ids restart at 0). */
  reset(): void {
    this.unacked.fill(0);
    this.remaining.fill(0);
    this.ring.clear();
    this.base = 0;
    this.next = 0;
  }
}
