import dgram from "node:dgram";
import { isIP } from "node:net";
import { NetApiConstants } from "../constants";
import { socketErrorFrom, SocketError } from "./socketError";

/** One datagram from {@link UdpSocket.recvFrom}. */
export interface UdpMessage {
  readonly data: Uint8Array;
  /** The sender's IP address. */
  readonly address: string;
  /** The sender's port. */
  readonly port: number;
}

/** Options for {@link UdpSocket.recvFrom}. */
export interface RecvFromOptions {
  /** Reject with a SocketError `ETIMEDOUT` when nothing arrives within this many milliseconds. */
  timeoutMs?: number;
}

interface Waiter {
  resolve(message: UdpMessage): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * A promise-based UDP socket (Traktor's `UdpSocket`): `bind`, `sendTo`, `recvFrom`, `close`. Datagrams
 * not yet taken by `recvFrom` wait in a bounded queue; beyond it they are dropped and counted.
 */
export class UdpSocket implements AsyncDisposable {
  /** Datagrams dropped because the queue was full. */
  droppedDatagrams = 0;
  private readonly queue: UdpMessage[] = [];
  private readonly waiters: Waiter[] = [];
  private isClosed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(private readonly socket: dgram.Socket) {
    this.closedPromise = new Promise((resolve) => socket.once("close", resolve));
    socket.on("message", (message, remote) => {
      const data = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      this.deliver({ data, address: remote.address, port: remote.port });
    });
    socket.on("error", () => this.droppedDatagrams++);
    socket.once("close", () => {
      this.isClosed = true;
      for (const waiter of this.waiters.splice(0)) {
        if (waiter.timer !== undefined) clearTimeout(waiter.timer);
        waiter.reject(new SocketError("UdpSocket.recvFrom: the socket was closed", "ECANCELED"));
      }
    });
  }

  /**
   * Binds a UDP socket on `address:port` (port 0 = any free port; IPv4 or IPv6 follows the address,
   * default `0.0.0.0`, all IPv4 interfaces).
   */
  static async bind(port: number, address = "0.0.0.0"): Promise<UdpSocket> {
    const family = isIP(address);
    if (family === 0)
      throw new TypeError(`UdpSocket.bind: "${address}" is not an IP address; use e.g. "127.0.0.1".`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`UdpSocket.bind: port must be an integer in 0..65535 (0 = any), got ${port}.`);
    }
    const socket = dgram.createSocket({ type: family === 6 ? "udp6" : "udp4", ipv6Only: family === 6 });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        socket.close();
        reject(socketErrorFrom(`UdpSocket.bind on ${address}:${port}`, error));
      };
      socket.once("error", onError);
      socket.bind({ port, address, exclusive: true }, () => {
        socket.off("error", onError);
        resolve();
      });
    });
    return new UdpSocket(socket);
  }

  /** The bound address. */
  get address(): string {
    return this.socket.address().address;
  }

  /** The bound port. */
  get port(): number {
    return this.socket.address().port;
  }

  /** True after `close()`. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Sends one datagram (bytes or UTF-8 text) to `host:port`; resolves once handed to the kernel. */
  sendTo(data: Uint8Array | string, host: string, port: number): Promise<void> {
    if (this.isClosed)
      return Promise.reject(new SocketError("UdpSocket.sendTo: the socket is closed", "EBADF"));
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RangeError(`UdpSocket.sendTo: port must be an integer in 1..65535, got ${port}.`);
    }
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
    return new Promise((resolve, reject) => {
      this.socket.send(bytes, port, host, (error) => {
        if (error) reject(socketErrorFrom(`UdpSocket.sendTo ${host}:${port}`, error));
        else resolve();
      });
    });
  }

  /** The next datagram (waiting for one); rejects with `ETIMEDOUT` after `timeoutMs`, if given. */
  recvFrom(options: RecvFromOptions = {}): Promise<UdpMessage> {
    const { timeoutMs } = options;
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      throw new RangeError(`UdpSocket.recvFrom: timeoutMs must be > 0, got ${timeoutMs}.`);
    }
    const ready = this.queue.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.isClosed) {
      return Promise.reject(new SocketError("UdpSocket.recvFrom: the socket is closed", "EBADF"));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(
            new SocketError(
              `UdpSocket.recvFrom on port ${this.port} timed out after ${timeoutMs} ms`,
              "ETIMEDOUT",
            ),
          );
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Closes the socket; pending `recvFrom` calls reject. */
  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.socket.close();
    }
    return this.closedPromise;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private deliver(message: UdpMessage): void {
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.resolve(message);
    } else if (this.queue.length < NetApiConstants.UDP_SOCKET_QUEUE_LIMIT) {
      this.queue.push(message);
    } else {
      this.droppedDatagrams++;
    }
  }
}
