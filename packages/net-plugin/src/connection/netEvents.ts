/**
 * Events of a NetServer or NetClient, drained as a queue once per frame (`pollEvent()` until it
 * returns `undefined`). I/O at the edges: nothing is delivered through callbacks.
 *
 * Zero allocation per message: a message event's bytes are `buffer[offset, offset + length)`, a
 * region of the connection's receive storage, and the event object itself is pooled. An event
 * returned by `pollEvent()` (and its `buffer` region) is valid only until the next `pollEvent()`
 * call — copy what you keep. (Today both stay valid until the next `receivePackets()` once the
 * queue was drained, so a frame may collect its events and read them later in the same frame.)
 * `data` is a copy the app keeps, created on first access: code that only reads `buffer`,
 * `offset` and `length` allocates nothing.
 */
import { copyBytes, EMPTY_BYTES } from "../protocol/scratch";
import type { DisconnectDetail, DisconnectReasonName } from "./disconnectReasons";

/** A received message: `buffer[offset, offset + length)` on `channel` (see the file comment). */
export interface NetMessage {
  readonly type: "message";
  readonly channel: number;
  /** Storage holding the message (shared with other messages: read only your range). */
  readonly buffer: Uint8Array;
  /** Where the message starts in `buffer`. */
  readonly offset: number;
  /** The message's length in bytes. */
  readonly length: number;
  /** A copy of the message the app keeps, made on first access (allocates). */
  readonly data: Uint8Array;
}

/** A received message on the server, from slot `client`. */
export interface NetServerMessage extends NetMessage {
  readonly client: number;
}

/** Server-side events. `client` is the slot index (0..maxClients-1). */
export type NetServerEvent =
  | { type: "connected"; client: number; clientId: bigint; address: string; userData: Uint8Array }
  | { type: "disconnected"; client: number; clientId: bigint; reason: DisconnectReasonName; message: string }
  | NetServerMessage;

/** Client-side events. */
export type NetClientEvent =
  | { type: "connected"; clientIndex: number; maxClients: number }
  | { type: "disconnected"; reason: DisconnectReasonName; message: string; detail: DisconnectDetail }
  | NetMessage;

/** A pooled message event (NetServer uses `client`; NetClient leaves it −1). */
export class PooledMessageEvent implements NetServerMessage {
  readonly type = "message";
  client = -1;
  channel = 0;
  buffer: Uint8Array = EMPTY_BYTES;
  offset = 0;
  length = 0;
  private copy: Uint8Array | undefined;

  /** A copy of the message (made once, then the same array). */
  get data(): Uint8Array {
    this.copy ??= this.buffer.slice(this.offset, this.offset + this.length);
    return this.copy;
  }

  /** Points the event at a new message. */
  set(client: number, channel: number, buffer: Uint8Array, offset: number, length: number): this {
    this.client = client;
    this.channel = channel;
    this.buffer = buffer;
    this.offset = offset;
    this.length = length;
    this.copy = undefined;
    return this;
  }

  /** Moves the bytes into storage of their own (the receive storage is about to be reused). */
  detach(): void {
    const own = new Uint8Array(this.length);
    copyBytes(this.buffer, this.offset, own, 0, this.length);
    this.buffer = own;
    this.offset = 0;
  }
}

/**
 * An event that stays valid after the next `pollEvent()`/`receivePackets()`: message events
 * become a plain object over a copy of their bytes (allocates), other events are returned as is.
 * For code that collects events to look at later (tests, tools).
 */
export function keepEvent<E extends NetServerEvent | NetClientEvent>(e: E): E {
  if (e.type !== "message") return e;
  const data = e.data;
  const kept = { type: e.type, channel: e.channel, buffer: data, offset: 0, length: data.length, data };
  return ("client" in e ? { ...kept, client: e.client } : kept) as E;
}

/** Pooled message events: `take()` hands out reused objects until `recycle()`. */
export class MessageEventPool {
  private items: PooledMessageEvent[] = [];
  private used = 0;

  /** A message event object (reused after the next `recycle`). */
  take(): PooledMessageEvent {
    let e = this.items[this.used];
    if (e === undefined) {
      e = new PooledMessageEvent();
      this.items.push(e);
    }
    this.used++;
    return e;
  }

  /** Every event handed out may be reused. */
  recycle(): void {
    this.used = 0;
  }

  /** Abandons the events handed out (their holders keep them); new ones are made. */
  abandon(): void {
    this.items = [];
    this.used = 0;
  }
}

/** A FIFO that reuses its array (no shift() copies, no shrinking once drained). */
export class EventQueue<T> {
  private readonly items: (T | undefined)[] = [];
  private head = 0;
  private tail = 0;

  push(item: T): void {
    this.items[this.tail++] = item;
  }

  /** The oldest event, or `undefined` when empty. */
  poll(): T | undefined {
    if (this.head === this.tail) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.tail) this.head = this.tail = 0;
    return item;
  }

  /** The `i`-th waiting event (0 = oldest), or `undefined`. */
  peek(i: number): T | undefined {
    return this.head + i < this.tail ? this.items[this.head + i] : undefined;
  }

  get length(): number {
    return this.tail - this.head;
  }
}

/**
 * Before the receive storage is reused: waiting message events get bytes of their own, and the
 * pool stops handing out the objects still queued (an app that does not drain its events every
 * frame allocates; one that does reuses everything).
 */
export function prepareMessageEvents<T>(events: EventQueue<T>, pool: MessageEventPool): void {
  if (events.length === 0) {
    pool.recycle();
    return;
  }
  for (let i = 0; i < events.length; i++) {
    const e = events.peek(i);
    if (e instanceof PooledMessageEvent) e.detach();
  }
  pool.abandon();
}
