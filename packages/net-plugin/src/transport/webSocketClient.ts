import { SocketConstants, TransportConstants, WebSocketCloseCode } from "./constants";
import { checkMaxDatagramSize } from "./datagramOptions";
import { DatagramRing } from "./datagramRing";
import { createTransportCounters, type Address, type Datagram, type Transport } from "./transport";

/**
 * The part of a WebSocket the client transport uses: satisfied by the browser's native `WebSocket`
 * and by the `ws` package's client, so the transport is written once for both platforms.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "open" | "error", listener: () => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
}

/**
 * Opens a socket for a URL (the platform's WebSocket constructor, wrapped). The factory picks
 * `binaryType`: `"arraybuffer"` in browsers; `ws` may use `"nodebuffer"` to skip a copy per message.
 */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** Options for `connectWebSocket`. */
export interface WebSocketConnectOptions {
  /** Largest datagram sent or accepted, in bytes (default 1400); larger incoming frames are dropped. */
  maxDatagramSize?: number;
  /** Received datagrams buffered between polls before new ones are dropped (default 4096). */
  inboxCapacity?: number;
  /** Give up connecting after this many milliseconds (default 10000). */
  timeoutMs?: number;
}

/** A client Transport with exactly one peer: the server at `remoteAddress`. */
export interface WebSocketClientTransport extends Transport, AsyncDisposable {
  /** The server's address: the URL as connected (normalised, e.g. `ws://127.0.0.1:8080/`). */
  readonly remoteAddress: Address;
  /** The close code and reason once the connection has closed. */
  readonly closeInfo: { readonly code: number; readonly reason: string } | undefined;
}

/** The `readyState` of an open WebSocket (the same in the browser and in `ws`). */
const OPEN = 1;
let nextClient = 1;

/**
 * Connects to `url` with a socket from `factory` and resolves once open; rejects with an error naming
 * the URL when the connection fails, closes first, or takes longer than `timeoutMs`.
 */
export async function openWebSocketClient(
  factory: WebSocketFactory,
  url: string,
  options: WebSocketConnectOptions = {},
): Promise<WebSocketClientTransport> {
  let remote: string;
  try {
    remote = new URL(url).href;
  } catch {
    throw new TypeError(`connectWebSocket: "${url}" is not a URL; use e.g. "ws://127.0.0.1:8080/".`);
  }
  if (!remote.startsWith("ws://") && !remote.startsWith("wss://")) {
    throw new TypeError(`connectWebSocket: "${url}" must start with ws:// or wss://.`);
  }
  const maxDatagramSize = checkMaxDatagramSize(
    options.maxDatagramSize,
    TransportConstants.DEFAULT_MAX_DATAGRAM_SIZE,
    TransportConstants.MAX_DATAGRAM_SIZE_LIMIT,
  );
  const timeoutMs = options.timeoutMs ?? SocketConstants.WS_DEFAULT_CONNECT_TIMEOUT_MS;
  const socket = factory(remote);
  const transport = new WebSocketClient(
    socket,
    url,
    remote,
    maxDatagramSize,
    options.inboxCapacity ?? TransportConstants.DEFAULT_INBOX_CAPACITY,
  );
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      reject(new Error(`connectWebSocket: could not connect to ${remote}: ${why}`));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.addEventListener("open", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve();
    });
    socket.addEventListener("error", () =>
      fail("connection error (refused, unreachable or not a WebSocket)"),
    );
    socket.addEventListener("close", (event) =>
      fail(`closed with code ${event.code} ${event.reason}`.trim()),
    );
  });
  return transport;
}

class WebSocketClient implements WebSocketClientTransport {
  readonly counters = createTransportCounters();
  readonly localAddress: Address;
  closeInfo: { readonly code: number; readonly reason: string } | undefined;
  private readonly inbox: DatagramRing;
  onReadable: (() => void) | undefined = undefined;
  private isClosed = false;
  private closedPromise: Promise<void>;

  constructor(
    private readonly socket: WebSocketLike,
    private readonly givenUrl: string,
    readonly remoteAddress: Address,
    readonly maxDatagramSize: number,
    inboxCapacity: number,
  ) {
    this.localAddress = `ws-client://${nextClient++}`;
    this.inbox = new DatagramRing(inboxCapacity, maxDatagramSize);
    this.closedPromise = new Promise((resolve) => {
      socket.addEventListener("close", (event) => {
        this.isClosed = true;
        this.closeInfo = { code: event.code, reason: event.reason };
        resolve();
      });
    });
    socket.addEventListener("message", (event) => this.receive(event.data));
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(to: Address, data: Uint8Array, length: number = data.length): void {
    if (
      this.isClosed ||
      (to !== this.remoteAddress && to !== this.givenUrl) ||
      length > this.maxDatagramSize ||
      this.socket.readyState !== OPEN ||
      this.socket.bufferedAmount > SocketConstants.WS_MAX_BUFFERED_BYTES
    ) {
      this.counters.datagramsDropped++;
      return;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += length;
    // Copy: the socket may keep a reference until the bytes are written.
    this.socket.send(data.slice(0, length));
  }

  poll(): Datagram | undefined {
    return this.inbox.shift();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.inbox.clear();
      this.socket.close(WebSocketCloseCode.NORMAL, "client closed");
    }
    return this.closedPromise;
  }

  private receive(payload: unknown): void {
    if (this.isClosed) return;
    // Binary frames arrive as ArrayBuffer ("arraybuffer") or a Node Buffer ("nodebuffer"); text
    // frames (strings) and anything else are not datagrams.
    // Copied into the inbox's own storage (a plain Uint8Array: Buffer's `slice` shares memory,
    // which surprises code written for Uint8Array).
    let data: Uint8Array;
    if (payload instanceof ArrayBuffer) data = new Uint8Array(payload);
    else if (payload instanceof Uint8Array) data = payload;
    else {
      this.counters.datagramsDropped++;
      return;
    }
    if (data.byteLength > this.maxDatagramSize) {
      this.counters.datagramsDropped++;
      return;
    }
    const wasEmpty = this.inbox.size === 0;
    if (!this.inbox.push(this.remoteAddress, data, 0, data.byteLength)) {
      this.counters.datagramsDropped++;
      return;
    }
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += data.byteLength;
    if (wasEmpty) this.onReadable?.();
  }
}
