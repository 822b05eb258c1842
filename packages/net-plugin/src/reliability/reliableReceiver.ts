/**
 * The receive side of one reliable channel: a window of `Buffers.messageWindow` message ids from
 * the oldest not yet delivered. Fragments wait here until their message is complete; ordered
 * channels also hold complete messages until every earlier one arrived. Every byte held counts
 * against the endpoint's {@link ReceiveBudget}, so a peer cannot make us hold more than its limit.
 */
import { Buffers } from "../protocol/constants";
import { seqDiff, type Seq16 } from "../protocol/seq16";
import { DeliveryQueue, type ReceiveBudget } from "./receiveBudget";

/** What happened to one received reliable message. */
export const Accept = {
  /** Stored or delivered. */
  Stored: 0,
  /** Already received (a resend or a duplicated packet): ignored, still acked. */
  Duplicate: 1,
  /** Valid but no room in the receive budget: the packet must not be acked (sender retries). */
  Refused: 2,
  /** Impossible for a correct peer (outside the window, inconsistent fragments). */
  Invalid: 3,
} as const;
/** One of the {@link Accept} codes. */
export type Accept = (typeof Accept)[keyof typeof Accept];

/** Receive window and delivery queue of one reliable channel. */
export class ReliableReceiver {
  private readonly mask = Buffers.messageWindow - 1;
  private readonly data: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(
    Buffers.messageWindow,
  );
  private readonly received = new Uint8Array(Buffers.messageWindow);
  private readonly count = new Uint16Array(Buffers.messageWindow);
  /** At a message's first id: fragments received and the count they announced. */
  private readonly groupReceived = new Uint16Array(Buffers.messageWindow);
  private readonly groupCount = new Uint16Array(Buffers.messageWindow);
  /** Oldest id not yet delivered (ordered) or not yet received-and-released (unordered). */
  private base = 0;
  /** Messages ready for the app. */
  readonly queue: DeliveryQueue;

  constructor(
    private readonly ordered: boolean,
    private readonly budget: ReceiveBudget,
  ) {
    this.queue = new DeliveryQueue(budget);
  }

  /**
   * Takes message `id` (fragment `index` of `count`, count 0 for a whole message) whose payload is
   * `src[start .. start + length)`; the bytes are copied, `src` is not kept.
   */
  accept(id: Seq16, index: number, count: number, src: Uint8Array, start: number, length: number): Accept {
    const offset = seqDiff(id, this.base as Seq16);
    if (offset < 0) return Accept.Duplicate;
    if (offset >= Buffers.messageWindow) return Accept.Invalid;
    const slot = id & this.mask;
    const first = (id - index) & 0xffff;
    const firstSlot = first & this.mask;
    if (count > 0) {
      const firstOffset = seqDiff(first as Seq16, this.base as Seq16);
      if (firstOffset < 0 || firstOffset + count > Buffers.messageWindow) return Accept.Invalid;
      const announced = this.groupCount[firstSlot] as number;
      if (announced !== 0 && announced !== count) return Accept.Invalid;
    }
    if (this.received[slot] === 1) {
      return this.count[slot] === count ? Accept.Duplicate : Accept.Invalid;
    }
    if (!this.budget.fits(length)) return Accept.Refused;
    this.budget.held += length;
    this.received[slot] = 1;
    this.count[slot] = count;
    // Delivered at once (whole, and next in order or unordered): arena copy; held: exclusive copy.
    if (count === 0 && (!this.ordered || id === this.base)) {
      const arena = this.budget.arena;
      const at = arena.copy(src, start, length);
      this.queue.push(arena.bytes, at, length, true);
    } else if (count === 0) {
      this.data[slot] = src.slice(start, start + length);
    } else {
      this.data[slot] = src.slice(start, start + length);
      this.groupCount[firstSlot] = count;
      this.groupReceived[firstSlot] = (this.groupReceived[firstSlot] as number) + 1;
      if (!this.ordered && this.groupReceived[firstSlot] === count) this.assemble(first, count);
    }
    this.advance();
    return Accept.Stored;
  }

  /** Joins the fragments of a complete message starting at `first` and queues it. */
  private assemble(first: number, count: number): void {
    let total = 0;
    for (let i = 0; i < count; i++) total += (this.data[(first + i) & this.mask] as Uint8Array).length;
    const message = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const s = (first + i) & this.mask;
      const part = this.data[s] as Uint8Array;
      message.set(part, at);
      at += part.length;
      this.data[s] = undefined;
    }
    const firstSlot = first & this.mask;
    this.groupCount[firstSlot] = 0;
    this.groupReceived[firstSlot] = 0;
    this.queue.push(message, 0, total, false);
  }

  /** Moves the window base past everything delivered (ordered: delivers what is next in line). */
  private advance(): void {
    for (;;) {
      const s = this.base & this.mask;
      if (this.received[s] !== 1) return;
      const count = this.count[s] as number;
      if (this.ordered) {
        if (count === 0) {
          const held = this.data[s];
          // Undefined when it was delivered at once from the arena (it was next in order).
          if (held !== undefined) this.queue.push(held, 0, held.length, false);
          this.data[s] = undefined;
        } else {
          if (this.groupReceived[s] !== count) return;
          this.assemble(this.base, count);
          for (let i = 1; i < count; i++) this.received[(this.base + i) & this.mask] = 0;
          this.received[s] = 0;
          this.base = (this.base + count) & 0xffff;
          continue;
        }
      } else if (this.data[s] !== undefined) {
        return; // a fragment of a message still being reassembled
      }
      this.received[s] = 0;
      this.base = (this.base + 1) & 0xffff;
    }
  }

  /** Forgets everything (the owner resets the budget). */
  reset(): void {
    this.data.fill(undefined);
    this.received.fill(0);
    this.count.fill(0);
    this.groupReceived.fill(0);
    this.groupCount.fill(0);
    this.base = 0;
    this.queue.clear();
  }
}
