/**
 * Events of a NetServer or NetClient, drained as a queue once per frame (`pollEvent()` until it
 * returns `undefined`). I/O at the edges: nothing is delivered through callbacks. A message's
 * `data` is the app's to keep; its `.buffer` may be shared with other messages of the same peer
 * (as with small Node Buffers), so view it with `data.byteOffset`.
 */
import type { DisconnectDetail, DisconnectReasonName } from "./disconnectReasons";

/** Server-side events. `client` is the slot index (0..maxClients-1). */
export type NetServerEvent =
  | { type: "connected"; client: number; clientId: bigint; address: string; userData: Uint8Array }
  | { type: "disconnected"; client: number; clientId: bigint; reason: DisconnectReasonName; message: string }
  | { type: "message"; client: number; channel: number; data: Uint8Array };

/** Client-side events. */
export type NetClientEvent =
  | { type: "connected"; clientIndex: number; maxClients: number }
  | { type: "disconnected"; reason: DisconnectReasonName; message: string; detail: DisconnectDetail }
  | { type: "message"; channel: number; data: Uint8Array };

/** A FIFO that reuses its array (no shift() copies). */
export class EventQueue<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  /** The oldest event, or `undefined` when empty. */
  poll(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    return item;
  }

  get length(): number {
    return this.items.length - this.head;
  }
}
