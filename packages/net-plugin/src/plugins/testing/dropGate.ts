/**
 * A Transport wrapper for tests that drops the next N datagrams in either direction on demand
 * (`dropNext`), to cause a loss burst at an exact moment. Everything else passes straight through.
 */
import {
  createTransportCounters,
  datagramLength,
  type Address,
  type Datagram,
  type Transport,
} from "../../transport/transport";

/** Drops datagrams on demand; `outbound` = sent through it, `inbound` = polled from it. */
export class DropGate implements Transport {
  readonly counters = createTransportCounters();
  /** Outbound datagrams still to drop. */
  dropOutbound = 0;
  /** Inbound datagrams still to drop. */
  dropInbound = 0;
  /** Datagrams dropped so far. */
  dropped = 0;

  constructor(readonly inner: Transport) {}

  get localAddress(): Address {
    return this.inner.localAddress;
  }
  get maxDatagramSize(): number {
    return this.inner.maxDatagramSize;
  }
  get closed(): boolean {
    return this.inner.closed;
  }

  send(to: Address, data: Uint8Array, length: number = data.length): void {
    if (this.dropOutbound > 0) {
      this.dropOutbound--;
      this.dropped++;
      return;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += length;
    this.inner.send(to, data, length);
  }

  poll(): Datagram | undefined {
    for (let d = this.inner.poll(); d !== undefined; d = this.inner.poll()) {
      if (this.dropInbound > 0) {
        this.dropInbound--;
        this.dropped++;
        continue;
      }
      this.counters.datagramsReceived++;
      this.counters.bytesReceived += datagramLength(d);
      return d;
    }
    return undefined;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
