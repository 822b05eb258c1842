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
 * One received datagram. The object returned by `poll()` may be reused, and `data` is valid only
 * until the next `poll()` on the same transport: consume it fully (or copy what you keep) before
 * polling again. Every Canopy layer does; this is what lets transports run without allocating.
 */
export interface Datagram {
  readonly from: Address;
  readonly data: Uint8Array;
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
   * Queues one datagram for `to`; the bytes are copied (or handed to the kernel) before `send`
   * returns, so the caller may reuse `data` at once. Never throws for network conditions:
   * failures are counted.
   */
  send(to: Address, data: Uint8Array): void;
  /** The next received datagram (valid until the next `poll()`), or `undefined` when the inbox is empty. */
  poll(): Datagram | undefined;
  /** Closes the transport; pending inbound datagrams are discarded. */
  close(): Promise<void>;
}

/** Fresh zeroed counters. */
export function createTransportCounters(): TransportCounters {
  return { datagramsSent: 0, datagramsReceived: 0, bytesSent: 0, bytesReceived: 0, datagramsDropped: 0 };
}
