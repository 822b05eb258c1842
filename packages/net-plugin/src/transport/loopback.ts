import { AddressScheme, TransportConstants } from "./constants";
import { checkMaxDatagramSize } from "./datagramOptions";
import { DatagramRing } from "./datagramRing";
import { createTransportCounters, type Address, type Datagram, type Transport } from "./transport";

/** Options for {@link createLoopbackNetwork}. */
export interface LoopbackNetworkOptions {
  /** Largest datagram in bytes (default 1400, at most 65507); larger ones are dropped and counted. */
  maxDatagramSize?: number;
  /** Datagrams each endpoint buffers before dropping new ones (default 4096). */
  inboxCapacity?: number;
}

/** An in-memory network: endpoints bound to it exchange datagrams synchronously, in send order. */
export interface LoopbackNetwork {
  /**
   * Opens an endpoint at `address` (`loopback://name`; a bare `name` gets the prefix), or at a fresh
   * `loopback://peer-N` when omitted. Binding an address that is in use throws.
   */
  bind(address?: string): Transport;
  /** Addresses currently bound (closed endpoints free theirs). */
  readonly addresses: readonly Address[];
}

/** Creates an in-memory {@link LoopbackNetwork}; wrap its endpoints in a LinkConditioner for latency and loss. */
export function createLoopbackNetwork(options: LoopbackNetworkOptions = {}): LoopbackNetwork {
  const maxDatagramSize = checkMaxDatagramSize(
    options.maxDatagramSize,
    TransportConstants.DEFAULT_MAX_DATAGRAM_SIZE,
    TransportConstants.MAX_DATAGRAM_SIZE_LIMIT,
  );
  const inboxCapacity = options.inboxCapacity ?? TransportConstants.DEFAULT_INBOX_CAPACITY;
  if (!Number.isInteger(inboxCapacity) || inboxCapacity <= 0) {
    throw new RangeError(`Loopback inboxCapacity must be a positive integer, got ${inboxCapacity}.`);
  }
  const endpoints = new Map<Address, LoopbackEndpoint>();
  let nextPeer = 1;

  return {
    bind(address?: string): Transport {
      let resolved: Address;
      if (address === undefined) {
        do resolved = `${AddressScheme.LOOPBACK}peer-${nextPeer++}`;
        while (endpoints.has(resolved));
      } else {
        resolved = address.startsWith(AddressScheme.LOOPBACK) ? address : AddressScheme.LOOPBACK + address;
        if (resolved.length === AddressScheme.LOOPBACK.length) {
          throw new Error(`Loopback address "${address}" has no name: use e.g. "loopback://server".`);
        }
        if (endpoints.has(resolved)) {
          throw new Error(
            `Loopback address ${resolved} is already bound: close that endpoint first or bind another name.`,
          );
        }
      }
      const endpoint = new LoopbackEndpoint(resolved, maxDatagramSize, inboxCapacity, endpoints);
      endpoints.set(resolved, endpoint);
      return endpoint;
    },
    get addresses(): readonly Address[] {
      return [...endpoints.keys()];
    },
  };
}

/** One endpoint of a loopback network. */
class LoopbackEndpoint implements Transport {
  readonly counters = createTransportCounters();
  private readonly inbox: DatagramRing;
  private isClosed = false;

  constructor(
    readonly localAddress: Address,
    readonly maxDatagramSize: number,
    inboxCapacity: number,
    private readonly endpoints: Map<Address, LoopbackEndpoint>,
  ) {
    this.inbox = new DatagramRing(inboxCapacity, maxDatagramSize);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(to: Address, data: Uint8Array, length: number = data.length): void {
    const peer = this.endpoints.get(to);
    if (this.isClosed || length > this.maxDatagramSize || peer === undefined) {
      this.counters.datagramsDropped++;
      return;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += length;
    peer.deliver(this.localAddress, data, length);
  }

  /** The next datagram: a reused object whose `data` is valid until the next `poll()`. */
  poll(): Datagram | undefined {
    return this.inbox.shift();
  }

  close(): Promise<void> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.inbox.clear();
      if (this.endpoints.get(this.localAddress) === this) this.endpoints.delete(this.localAddress);
    }
    return Promise.resolve();
  }

  /**
   * Called by the sending endpoint: copies the bytes (the sender may reuse its buffer as soon as
   * `send` returns, as with a real socket); a full inbox drops the datagram (counted here).
   */
  private deliver(from: Address, data: Uint8Array, length: number): void {
    if (!this.inbox.push(from, data, 0, length)) {
      this.counters.datagramsDropped++;
      return;
    }
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += length;
  }
}
