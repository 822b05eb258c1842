import dgram from "node:dgram";
import { lookup as dnsLookup, type LookupOneOptions } from "node:dns";
import { isIP } from "node:net";
import { SocketConstants, TransportConstants } from "../constants";
import { copyBytes } from "../../protocol/scratch";
import { checkMaxDatagramSize } from "../datagramOptions";
import { DatagramRing } from "../datagramRing";
import { formatUdpAddress, parseUdpAddress, type HostPort } from "../socketAddress";
import { createTransportCounters, type Address, type Datagram, type Transport } from "../transport";

/** Options for {@link openUdpTransport}. */
export interface UdpTransportOptions {
  /** Local IP to bind: `"127.0.0.1"`, `"0.0.0.0"`, `"::1"`, `"::"`… (the family follows from it). */
  address: string;
  /** Local port; 0 picks a free ephemeral port (read it back from `port`). */
  port: number;
  /** Largest datagram sent or accepted, in bytes (default 1400, at most 65507). */
  maxDatagramSize?: number;
  /** Received datagrams buffered between polls before new ones are dropped (default 4096). */
  inboxCapacity?: number;
  /**
   * With `address: "::"`, also accept IPv4 peers (seen as `udp://[::ffff:1.2.3.4]:port`). Default
   * false: an IPv6 address binds IPv6 only, so IPv4 and IPv6 can be served by separate transports.
   */
  dualStack?: boolean;
}

/** A UDP {@link Transport}; `localAddress` is `udp://127.0.0.1:41234` or `udp://[::1]:41234`. */
export interface UdpTransport extends Transport, AsyncDisposable {
  /** The bound local port (useful after binding port 0). */
  readonly port: number;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * The socket's address lookup: peers are IP literals (`udp://1.2.3.4:5`), which need no DNS —
 * answered at once instead of through `dns.lookup`'s `process.nextTick` hop (one deferral and a
 * few objects per datagram sent); anything else still goes to `dns.lookup`.
 */
function literalLookup(hostname: string, options: LookupOneOptions | number, callback: LookupCallback): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else dnsLookup(hostname, typeof options === "number" ? { family: options } : options, callback);
}

/** Binds a UDP socket (IPv4 or IPv6, from the address) and returns it as a Transport. */
export async function openUdpTransport(options: UdpTransportOptions): Promise<UdpTransport> {
  const family = isIP(options.address);
  if (family === 0) {
    throw new TypeError(
      `openUdpTransport: "${options.address}" is not an IP address; use e.g. "127.0.0.1" or "::1".`,
    );
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new RangeError(
      `openUdpTransport: port must be an integer in 0..65535 (0 = any), got ${options.port}.`,
    );
  }
  const maxDatagramSize = checkMaxDatagramSize(
    options.maxDatagramSize,
    TransportConstants.DEFAULT_MAX_DATAGRAM_SIZE,
    TransportConstants.MAX_DATAGRAM_SIZE_LIMIT,
  );
  const socket = dgram.createSocket({
    type: family === 6 ? "udp6" : "udp4",
    ipv6Only: family === 6 && options.dualStack !== true,
    recvBufferSize: SocketConstants.UDP_RECEIVE_BUFFER_BYTES,
    sendBufferSize: SocketConstants.UDP_SEND_BUFFER_BYTES,
    lookup: literalLookup,
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.close();
      reject(new Error(`openUdpTransport: cannot bind ${options.address}:${options.port}: ${error.message}`));
    };
    socket.once("error", onError);
    socket.bind({ address: options.address, port: options.port, exclusive: true }, () => {
      socket.off("error", onError);
      resolve();
    });
  });
  return new NodeUdpTransport(
    socket,
    maxDatagramSize,
    options.inboxCapacity ?? TransportConstants.DEFAULT_INBOX_CAPACITY,
  );
}

class NodeUdpTransport implements UdpTransport {
  readonly counters = createTransportCounters();
  readonly localAddress: Address;
  readonly port: number;
  private readonly inbox: DatagramRing;
  onReadable: (() => void) | undefined = undefined;
  /** Send buffers, reused once the socket is done with them (each has its own done-callback). */
  private readonly sendBuffers: Buffer[] = [];
  private readonly sendBusy: boolean[] = [];
  private readonly sendDone: ((error: Error | null) => void)[] = [];
  private nextSendBuffer = 0;
  private readonly peers = new Map<Address, HostPort>();
  /** Formatted sender addresses by IP then port, so receiving allocates no address string. */
  private readonly senders = new Map<string, Map<number, Address>>();
  private senderCount = 0;
  private isClosed = false;
  private readonly closedPromise: Promise<void>;
  private readonly onSent = (error: Error | null): void => {
    if (error !== null) this.counters.datagramsDropped++;
  };

  constructor(
    private readonly socket: dgram.Socket,
    readonly maxDatagramSize: number,
    inboxCapacity: number,
  ) {
    this.inbox = new DatagramRing(inboxCapacity, maxDatagramSize);
    const bound = socket.address();
    this.port = bound.port;
    this.localAddress = formatUdpAddress(bound.address, bound.port);
    this.closedPromise = new Promise((resolve) => socket.once("close", resolve));
    socket.on("message", (message, remote) => this.receive(message, remote));
    // After binding, socket errors (e.g. a send to an unreachable host) are per datagram: count them.
    socket.on("error", () => this.counters.datagramsDropped++);
    socket.once("close", () => {
      this.isClosed = true;
      this.inbox.clear();
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(to: Address, data: Uint8Array, length: number = data.length): void {
    if (this.isClosed || length > this.maxDatagramSize) {
      this.counters.datagramsDropped++;
      return;
    }
    let peer = this.peers.get(to);
    if (peer === undefined) {
      peer = parseUdpAddress(to);
      if (peer === undefined) {
        throw new TypeError(`UdpTransport.send: "${to}" is not a UDP address; use "udp://host:port".`);
      }
      if (this.peers.size >= SocketConstants.UDP_ADDRESS_CACHE_LIMIT) this.peers.clear();
      this.peers.set(to, peer);
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += length;
    // Copy: the caller may reuse its buffer before the kernel has taken the bytes.
    const i = this.freeSendBuffer();
    if (i < 0) {
      this.socket.send(Buffer.from(data.subarray(0, length)), peer.port, peer.host, this.onSent);
      return;
    }
    const buffer = this.sendBuffers[i] as Buffer;
    copyBytes(data, 0, buffer, 0, length);
    this.sendBusy[i] = true;
    this.socket.send(buffer, 0, length, peer.port, peer.host, this.sendDone[i]);
  }

  /** The next datagram: a reused object whose `data` is valid until the next `poll()`. */
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
      this.socket.close();
    }
    return this.closedPromise;
  }

  private receive(message: Buffer, remote: dgram.RemoteInfo): void {
    if (this.isClosed) return;
    if (message.byteLength > this.maxDatagramSize) {
      this.counters.datagramsDropped++;
      return;
    }
    // Copied into the inbox's own storage: a plain Uint8Array (Buffer's `slice` shares memory,
    // which surprises code written for Uint8Array), and no view per datagram.
    const wasEmpty = this.inbox.size === 0;
    if (!this.inbox.push(this.senderAddress(remote.address, remote.port), message, 0, message.byteLength)) {
      this.counters.datagramsDropped++;
      return;
    }
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += message.byteLength;
    if (wasEmpty) this.onReadable?.();
  }

  /**
   * Index of a send buffer the socket is done with (making one while there are fewer than
   * `UDP_SEND_BUFFERS`), or -1 when all are in flight (the caller then copies into a new Buffer).
   */
  private freeSendBuffer(): number {
    const n = this.sendBuffers.length;
    for (let k = 0; k < n; k++) {
      const i = (this.nextSendBuffer + k) % n;
      if (!this.sendBusy[i]) {
        this.nextSendBuffer = (i + 1) % n;
        return i;
      }
    }
    if (n >= SocketConstants.UDP_SEND_BUFFERS) return -1;
    this.sendBuffers.push(Buffer.allocUnsafeSlow(this.maxDatagramSize));
    this.sendBusy.push(false);
    this.sendDone.push((error: Error | null) => {
      this.sendBusy[n] = false;
      if (error !== null) this.counters.datagramsDropped++;
    });
    return n;
  }

  private senderAddress(host: string, port: number): Address {
    let byPort = this.senders.get(host);
    const known = byPort?.get(port);
    if (known !== undefined) return known;
    if (this.senderCount >= SocketConstants.UDP_ADDRESS_CACHE_LIMIT) {
      this.senders.clear();
      this.senderCount = 0;
      byPort = undefined;
    }
    if (byPort === undefined) {
      byPort = new Map();
      this.senders.set(host, byPort);
    }
    const address = formatUdpAddress(host, port);
    byPort.set(port, address);
    this.senderCount++;
    return address;
  }
}
