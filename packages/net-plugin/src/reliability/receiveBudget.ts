/**
 * The cap on bytes a peer can make one endpoint hold: fragments waiting for reassembly plus
 * messages waiting for the app to `receive` them. Shared by all channels of an endpoint.
 */
import { MessageSlab } from "./messageSlab";

/** Bytes held for one endpoint against its limit. */
export class ReceiveBudget {
  held = 0;
  /** Where messages handed straight to the app are copied (one per endpoint). */
  readonly slab = new MessageSlab();

  constructor(readonly limit: number) {}

  /** True if `bytes` more would still fit. */
  fits(bytes: number): boolean {
    return this.held + bytes <= this.limit;
  }
}

/** A FIFO of received messages waiting for the app; its bytes count against the budget. */
export class DeliveryQueue {
  private items: Uint8Array[] = [];
  private head = 0;

  constructor(private readonly budget: ReceiveBudget) {}

  /** Messages waiting. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** Appends a message whose bytes are already counted in the budget. */
  push(message: Uint8Array): void {
    this.items.push(message);
  }

  /** The oldest message, or undefined; releases its bytes from the budget. */
  pop(): Uint8Array | undefined {
    if (this.head >= this.items.length) return undefined;
    const message = this.items[this.head] as Uint8Array;
    this.items[this.head++] = EMPTY;
    this.budget.held -= message.length;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return message;
  }

  /** Drops everything (the budget is reset by its owner). */
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

const EMPTY = new Uint8Array(0);
