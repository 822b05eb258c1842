/**
 * A bounded inbox of (peer, bytes) messages: the plugin's receive dispatcher routes messages here
 * by their first byte, and a system in the Receive set drains them. Full → dropped and counted.
 */

/** Bounded FIFO of received messages. */
export class MessageInbox {
  private readonly peers: Int32Array;
  private readonly data: (Uint8Array | undefined)[];
  private head = 0;
  private size = 0;
  /** Messages dropped because the inbox was full. */
  dropped = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`MessageInbox: capacity must be an integer ≥ 1, got ${capacity}.`);
    this.peers = new Int32Array(capacity);
    this.data = new Array<Uint8Array | undefined>(capacity).fill(undefined);
  }

  /** Messages waiting. */
  get length(): number {
    return this.size;
  }

  /** Queues one message; false (counted in `dropped`) when full. */
  push(peer: number, data: Uint8Array): boolean {
    if (this.size === this.capacity) {
      this.dropped++;
      return false;
    }
    const i = (this.head + this.size) % this.capacity;
    this.peers[i] = peer;
    this.data[i] = data;
    this.size++;
    return true;
  }

  /** Calls `fn` for each message, oldest first, and empties the inbox. */
  drain(fn: (peer: number, data: Uint8Array) => void): void {
    while (this.size > 0) {
      const i = this.head;
      const data = this.data[i] as Uint8Array;
      this.data[i] = undefined;
      this.head = (i + 1) % this.capacity;
      this.size--;
      fn(this.peers[i] as number, data);
    }
  }
}
