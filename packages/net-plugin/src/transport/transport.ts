/**
 * The one interface every transport implements (loopback, UDP, WebSocket, and the LinkConditioner
 * that wraps any of them). Transports move opaque datagrams between addresses; everything above
 * (acks, channels, handshake, encryption) lives in higher layers.
 *
 * I/O at the edges: a transport fills an inbox as datagrams arrive (from the event loop) and the
 * ReceivePackets system drains it with `poll()` once per frame; `send()` never blocks or awaits.
 */

/**
 * A transport address as a string, so it can key maps: `udp://127.0.0.1:40000`,
 * `udp://[::1]:40000`, `ws://127.0.0.1:8080/#7` (one WebSocket peer), `loopback://server`.
 */
export type Address = string;

/**
 * One received datagram. The object returned by `poll()` may be reused, and its bytes are valid
 * only until the next `poll()` on the same transport: consume them fully (or copy what you keep)
 * before polling again. Every Canopy layer does; this is what lets transports run without
 * allocating.
 */
export interface Datagram {
  readonly from: Address;
  /** The bytes (exactly the datagram). On a transport that sets `buffer`, reading this may make a view. */
  readonly data: Uint8Array;
  /**
   * Set by transports that hand out pooled storage: the bytes are `buffer[offset, offset + length)`,
   * readable without creating a view (the hot path reads these when present).
   */
  readonly buffer?: Uint8Array;
  readonly offset?: number;
  readonly length?: number;
}

/** Counters every transport keeps (read them for diagnostics; never reset by the transport). */
export interface TransportCounters {
  datagramsSent: number;
  datagramsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Datagrams dropped locally: oversized, inbox full, send after close, socket errors. */
  datagramsDropped: number;
}

/** A datagram transport. */
export interface Transport {
  /** The address peers use to reach this transport. */
  readonly localAddress: Address;
  /** Largest datagram `send` accepts, in bytes; larger ones are dropped and counted. */
  readonly maxDatagramSize: number;
  readonly counters: TransportCounters;
  /** True after `close()` (or after the underlying socket failed). */
  readonly closed: boolean;
  /**
   * Queues `data[0, length)` (default: all of `data`) as one datagram for `to`; the bytes are
   * copied (or handed to the kernel) before `send` returns, so the caller may reuse `data` at
   * once. Never throws for network conditions: failures are counted.
   */
  send(to: Address, data: Uint8Array, length?: number): void;
  /** The next received datagram (valid until the next `poll()`), or `undefined` when the inbox is empty. */
  poll(): Datagram | undefined;
  /** Closes the transport; pending inbound datagrams are discarded. */
  close(): Promise<void>;
  /**
   * Optional wake-up for loops that process input as it arrives: socket transports (UDP,
   * WebSocket) call it from the event loop when a datagram lands in an empty inbox, so a server
   * can run its receive step at once (e.g. `setImmediate(frame)`) instead of at its next tick or
   * by spinning. Never called from inside `send`/`poll`. Loopback and the link conditioner, which
   * are stepped explicitly, do not call it.
   */
  onReadable?: (() => void) | undefined;
}

/** Fresh zeroed counters. */
export function createTransportCounters(): TransportCounters {
  return { datagramsSent: 0, datagramsReceived: 0, bytesSent: 0, bytesReceived: 0, datagramsDropped: 0 };
}

/** The bytes of a polled datagram as a range (its `buffer` when the transport set one, else `data`). */
export function datagramBuffer(d: Datagram): Uint8Array {
  return d.buffer ?? d.data;
}
/** Where a polled datagram's bytes start in {@link datagramBuffer}. */
export function datagramOffset(d: Datagram): number {
  return d.buffer === undefined ? 0 : (d.offset ?? 0);
}
/** A polled datagram's length in bytes. */
export function datagramLength(d: Datagram): number {
  return d.buffer === undefined ? d.data.length : (d.length ?? d.buffer.length);
}
