import net from "node:net";
import { NetApiConstants } from "../constants";
import { socketErrorFrom, SocketError, withTimeout } from "./socketError";

/** Options for {@link TcpSocket.connect}. */
export interface TcpConnectOptions {
  /** Give up connecting after this many milliseconds (default: the OS timeout). */
  timeoutMs?: number;
}

interface Waiter {
  maxBytes: number;
  resolve(data: Uint8Array | undefined): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * A promise-based TCP stream (Traktor's `TcpSocket`): `connect`, `send`, `recv`, `close`. Incoming
 * bytes are buffered up to a high-water mark, then reading pauses until `recv` catches up.
 */
export class TcpSocket implements AsyncDisposable {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  private ended = false;
  private failure: SocketError | undefined;
  private readonly waiters: Waiter[] = [];
  private readonly closedPromise: Promise<void>;

  /** Wraps a connected `net.Socket` (use `TcpSocket.connect` or `TcpServer.accept` instead). */
  constructor(private readonly socket: net.Socket) {
    this.closedPromise = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.once("end", () => {
      this.ended = true;
      this.settleWaiters();
    });
    socket.on("error", (error) => {
      this.failure ??= socketErrorFrom(`TCP ${this.describe()}`, error);
      this.settleWaiters();
    });
    socket.once("close", () => {
      this.ended = true;
      this.settleWaiters();
    });
  }

  /** Connects to `host:port`; rejects with a readable SocketError (refused, timed out, …). */
  static async connect(host: string, port: number, options: TcpConnectOptions = {}): Promise<TcpSocket> {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`TcpSocket.connect: port must be an integer in 1..65535, got ${port}.`);
    }
    const socket = net.createConnection({ host, port, noDelay: true });
    const what = `TcpSocket.connect to ${host}:${port}`;
    const connected = new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", (error) => reject(socketErrorFrom(what, error)));
    });
    try {
      await withTimeout(connected, options.timeoutMs, what, () => socket.destroy());
    } catch (error) {
      socket.destroy();
      throw error;
    }
    return new TcpSocket(socket);
  }

  /** The peer's IP address. */
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? "";
  }

  /** The peer's port. */
  get remotePort(): number {
    return this.socket.remotePort ?? 0;
  }

  /** This end's port. */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** Writes bytes (or UTF-8 text); resolves once handed to the kernel, rejects if the connection failed. */
  send(data: Uint8Array | string): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.socket.destroyed || this.socket.writableEnded) {
      return Promise.reject(
        new SocketError(`TcpSocket.send to ${this.describe()}: the socket is closed`, "EPIPE"),
      );
    }
    // Copy bytes: the caller may reuse its buffer before the write completes.
    const chunk = typeof data === "string" ? data : Buffer.from(data);
    return new Promise((resolve, reject) => {
      this.socket.write(chunk, (error) => {
        if (error) reject(socketErrorFrom(`TcpSocket.send to ${this.describe()}`, error));
        else resolve();
      });
    });
  }

  /**
   * Up to `maxBytes` received bytes (at least one), waiting if none are buffered; `undefined` once the
   * peer has closed and everything was read. Rejects on connection errors or after `timeoutMs`.
   */
  recv(
    maxBytes: number = NetApiConstants.TCP_DEFAULT_RECV_BYTES,
    timeoutMs?: number,
  ): Promise<Uint8Array | undefined> {
    if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
      throw new RangeError(`TcpSocket.recv: maxBytes must be a positive integer, got ${maxBytes}.`);
    }
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      throw new RangeError(`TcpSocket.recv: timeoutMs must be > 0, got ${timeoutMs}.`);
    }
    if (this.waiters.length === 0 && this.buffered > 0) return Promise.resolve(this.take(maxBytes));
    if (this.waiters.length === 0 && this.failure !== undefined) return Promise.reject(this.failure);
    if (this.waiters.length === 0 && this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { maxBytes, resolve, reject, timer: undefined };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(
            new SocketError(
              `TcpSocket.recv from ${this.describe()} timed out after ${timeoutMs} ms`,
              "ETIMEDOUT",
            ),
          );
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Reads until `byteLength` bytes have arrived (or the peer closed: then fewer are returned). */
  async recvExactly(byteLength: number, timeoutMs?: number): Promise<Uint8Array> {
    const out = new Uint8Array(byteLength);
    let filled = 0;
    while (filled < byteLength) {
      const chunk = await this.recv(byteLength - filled, timeoutMs);
      if (chunk === undefined) return out.subarray(0, filled);
      out.set(chunk, filled);
      filled += chunk.byteLength;
    }
    return out;
  }

  /** Finishes sending, then closes; resolves when the socket is fully closed. */
  close(): Promise<void> {
    if (!this.socket.destroyed) {
      // A peer that never closes its side must not keep us open: destroy once our data is flushed.
      if (this.socket.writableFinished) this.socket.destroy();
      else this.socket.end(() => this.socket.destroy());
    }
    return this.closedPromise;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private describe(): string {
    return `${this.socket.remoteAddress ?? "?"}:${this.socket.remotePort ?? "?"}`;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.buffered += chunk.byteLength;
    this.settleWaiters();
    if (this.buffered > NetApiConstants.TCP_RECEIVE_HIGH_WATER_BYTES) this.socket.pause();
  }

  private settleWaiters(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0]!;
      if (this.buffered > 0) waiter.resolve(this.take(waiter.maxBytes));
      else if (this.failure !== undefined) waiter.reject(this.failure);
      else if (this.ended) waiter.resolve(undefined);
      else return;
      this.waiters.shift();
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    }
  }

  /** Removes up to `maxBytes` from the front of the buffered chunks (views, never copies). */
  private take(maxBytes: number): Uint8Array {
    const first = this.chunks[0]!;
    let out = first;
    if (first.byteLength <= maxBytes) this.chunks.shift();
    else {
      out = first.subarray(0, maxBytes);
      this.chunks[0] = first.subarray(maxBytes);
    }
    this.buffered -= out.byteLength;
    if (this.buffered <= NetApiConstants.TCP_RECEIVE_HIGH_WATER_BYTES && this.socket.isPaused()) {
      this.socket.resume();
    }
    return out;
  }
}

/** A listening TCP server handing out connections as {@link TcpSocket}s through `accept()`. */
export class TcpServer implements AsyncDisposable {
  private readonly pending: TcpSocket[] = [];
  private readonly open = new Set<net.Socket>();
  private readonly acceptors: { resolve(socket: TcpSocket): void; reject(error: Error): void }[] = [];
  private isClosed = false;

  private constructor(private readonly server: net.Server) {
    server.on("connection", (socket) => {
      socket.setNoDelay(true);
      this.open.add(socket);
      socket.once("close", () => this.open.delete(socket));
      const tcp = new TcpSocket(socket);
      const acceptor = this.acceptors.shift();
      if (acceptor !== undefined) acceptor.resolve(tcp);
      else this.pending.push(tcp);
    });
  }

  /** Listens on `host:port` (port 0 = any free port; read it from `port`). */
  static async listen(port: number, host = "127.0.0.1"): Promise<TcpServer> {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`TcpServer.listen: port must be an integer in 0..65535 (0 = any), got ${port}.`);
    }
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error) => reject(socketErrorFrom(`TcpServer.listen on ${host}:${port}`, error)));
      server.listen(port, host, () => resolve());
    });
    return new TcpServer(server);
  }

  /** The port listened on. */
  get port(): number {
    const address = this.server.address();
    return address !== null && typeof address === "object" ? address.port : 0;
  }

  /** The next incoming connection (waits for one); rejects once the server is closed. */
  accept(): Promise<TcpSocket> {
    const ready = this.pending.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.isClosed)
      return Promise.reject(new SocketError("TcpServer.accept: the server is closed", "ECANCELED"));
    return new Promise((resolve, reject) => this.acceptors.push({ resolve, reject }));
  }

  /** Stops listening and closes every connection it accepted (handed out or not). */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const acceptor of this.acceptors.splice(0)) {
      acceptor.reject(new SocketError("TcpServer.accept: the server was closed", "ECANCELED"));
    }
    this.pending.length = 0;
    for (const socket of this.open) socket.destroy();
    await closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
