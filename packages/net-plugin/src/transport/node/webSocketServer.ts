import type { IncomingMessage } from "node:http";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { SocketConstants, TransportConstants, WebSocketCloseCode } from "../constants";
import { checkMaxDatagramSize } from "../datagramOptions";
import { DatagramRing } from "../datagramRing";
import { formatHostPort } from "../socketAddress";
import {
  createTransportCounters,
  type Address,
  type Datagram,
  type Transport,
  type TransportCounters,
} from "../transport";

/** Options for {@link listenWebSocket}. */
export interface WebSocketListenOptions {
  /** Interface to listen on, e.g. `"127.0.0.1"`, `"::1"`, `"0.0.0.0"`. */
  host: string;
  /** Port; 0 picks a free one (read it back from `port`). */
  port: number;
  /** Only upgrade requests for this path (default: any path). */
  path?: string;
  /** Largest binary frame in bytes, sent or accepted (default 1400); a larger frame disconnects its peer. */
  maxDatagramSize?: number;
  /** Received datagrams buffered between polls before new ones are dropped (default 4096). */
  inboxCapacity?: number;
  /** Simultaneous peers (default 1024); more are closed with 1013 "try again later". */
  maxConnections?: number;
}

/** Counters of a WebSocket server transport: the datagram counters plus connection events. */
export interface WebSocketServerCounters extends TransportCounters {
  connectionsAccepted: number;
  /** Connections refused because `maxConnections` peers were connected. */
  connectionsRefused: number;
  connectionsClosed: number;
  /** Peers disconnected for breaking the rules: text frames, oversized frames, protocol errors. */
  peersMisbehaving: number;
}

/** One Transport over every WebSocket peer of a server; peers are `ws://ip:port/#n`. */
export interface WebSocketServerTransport extends Transport, AsyncDisposable {
  readonly counters: WebSocketServerCounters;
  /** The port listened on. */
  readonly port: number;
  /** The URL clients connect to, e.g. `ws://127.0.0.1:8080/game`. */
  readonly url: string;
  /** Addresses of the peers connected now. */
  readonly peers: readonly Address[];
  /** Closes one peer's connection (e.g. after the connection layer kicked it); unknown addresses are ignored. */
  disconnect(peer: Address, code?: number, reason?: string): void;
}

/** Starts a WebSocket server and returns it as one Transport multiplexing all its peers. */
export async function listenWebSocket(options: WebSocketListenOptions): Promise<WebSocketServerTransport> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new RangeError(
      `listenWebSocket: port must be an integer in 0..65535 (0 = any), got ${options.port}.`,
    );
  }
  const maxDatagramSize = checkMaxDatagramSize(
    options.maxDatagramSize,
    TransportConstants.DEFAULT_MAX_DATAGRAM_SIZE,
    TransportConstants.MAX_DATAGRAM_SIZE_LIMIT,
  );
  const server = new WebSocketServer({
    host: options.host,
    port: options.port,
    path: options.path,
    maxPayload: maxDatagramSize,
    perMessageDeflate: false,
    clientTracking: false,
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      server.close();
      reject(
        new Error(`listenWebSocket: cannot listen on ${options.host}:${options.port}: ${error.message}`),
      );
    };
    server.once("error", onError);
    server.once("listening", () => {
      server.off("error", onError);
      resolve();
    });
  });
  return new NodeWebSocketServerTransport(server, options, maxDatagramSize);
}

class NodeWebSocketServerTransport implements WebSocketServerTransport {
  readonly counters: WebSocketServerCounters = {
    ...createTransportCounters(),
    connectionsAccepted: 0,
    connectionsRefused: 0,
    connectionsClosed: 0,
    peersMisbehaving: 0,
  };
  readonly localAddress: Address;
  readonly port: number;
  readonly url: string;
  private readonly inbox: DatagramRing;
  onReadable: (() => void) | undefined = undefined;
  private readonly sockets = new Map<Address, WebSocket>();
  private readonly maxConnections: number;
  private nextPeer = 1;
  private isClosed = false;

  constructor(
    private readonly server: WebSocketServer,
    options: WebSocketListenOptions,
    readonly maxDatagramSize: number,
  ) {
    this.inbox = new DatagramRing(
      options.inboxCapacity ?? TransportConstants.DEFAULT_INBOX_CAPACITY,
      this.maxDatagramSize,
    );
    this.maxConnections = options.maxConnections ?? SocketConstants.WS_DEFAULT_MAX_CONNECTIONS;
    const bound = server.address();
    const named = bound !== null && typeof bound === "object";
    this.port = named ? bound.port : options.port;
    const host = named ? bound.address : options.host;
    this.url = `ws://${formatHostPort(host, this.port)}${options.path ?? "/"}`;
    this.localAddress = this.url;
    server.on("connection", (socket, request) => this.accept(socket, request));
    server.on("error", () => this.counters.datagramsDropped++);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get peers(): readonly Address[] {
    return [...this.sockets.keys()];
  }

  send(to: Address, data: Uint8Array, length: number = data.length): void {
    const socket = this.sockets.get(to);
    if (
      this.isClosed ||
      socket === undefined ||
      length > this.maxDatagramSize ||
      socket.readyState !== WebSocket.OPEN ||
      socket.bufferedAmount > SocketConstants.WS_MAX_BUFFERED_BYTES
    ) {
      this.counters.datagramsDropped++;
      return;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += length;
    // Copy: ws may keep a reference to the bytes until the socket drains.
    socket.send(Buffer.from(data.subarray(0, length)), BINARY);
  }

  poll(): Datagram | undefined {
    return this.inbox.shift();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  disconnect(peer: Address, code: number = WebSocketCloseCode.NORMAL, reason = ""): void {
    this.sockets.get(peer)?.close(code, reason);
  }

  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    this.inbox.clear();
    for (const socket of this.sockets.values()) socket.terminate();
    this.sockets.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: WebSocket, request: IncomingMessage): void {
    if (this.isClosed) {
      socket.terminate();
      return;
    }
    if (this.sockets.size >= this.maxConnections) {
      this.counters.connectionsRefused++;
      socket.close(WebSocketCloseCode.TRY_AGAIN_LATER, "server full");
      return;
    }
    const remote = request.socket;
    const address = `ws://${formatHostPort(remote.remoteAddress ?? "unknown", remote.remotePort ?? 0)}/#${this.nextPeer++}`;
    this.sockets.set(address, socket);
    this.counters.connectionsAccepted++;
    socket.binaryType = "nodebuffer";
    socket.on("message", (data, isBinary) => this.receive(address, socket, data, isBinary));
    // ws reports oversized frames and framing violations here, then closes the socket itself.
    socket.on("error", () => this.misbehaved(address, socket));
    socket.once("close", () => {
      if (this.sockets.get(address) === socket) this.sockets.delete(address);
      this.counters.connectionsClosed++;
    });
  }

  private receive(from: Address, socket: WebSocket, raw: RawData, isBinary: boolean): void {
    if (this.sockets.get(from) !== socket) return; // already disconnected for misbehaving
    if (!isBinary) {
      this.misbehaved(from, socket, WebSocketCloseCode.UNSUPPORTED_DATA, "binary frames only");
      return;
    }
    const data = toUint8Array(raw);
    if (data.byteLength > this.maxDatagramSize) {
      this.misbehaved(from, socket, WebSocketCloseCode.MESSAGE_TOO_BIG, "frame too large");
      return;
    }
    const wasEmpty = this.inbox.size === 0;
    if (!this.inbox.push(from, data, 0, data.byteLength)) {
      this.counters.datagramsDropped++;
      return;
    }
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += data.byteLength;
    if (wasEmpty) this.onReadable?.();
  }

  /** Counts a rule-breaking peer once and disconnects it; nothing it sends afterwards is read. */
  private misbehaved(from: Address, socket: WebSocket, code?: number, reason?: string): void {
    if (this.sockets.get(from) !== socket) return;
    this.sockets.delete(from);
    this.counters.peersMisbehaving++;
    this.counters.datagramsDropped++;
    if (code !== undefined && socket.readyState === WebSocket.OPEN) socket.close(code, reason);
    else socket.terminate();
  }
}

/** Received ws data as a plain Uint8Array (a view when possible, a copy for fragmented frames). */
/** Send options of every datagram (one object, not one per send). */
const BINARY = { binary: true } as const;

/** The frame's bytes (a Buffer is a Uint8Array: no view; the inbox copies them). */
function toUint8Array(raw: RawData): Uint8Array {
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return raw;
}
