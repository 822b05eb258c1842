import { createRng, type Clock } from "@canopy/core";
import type { LinkConditions } from "./linkConditions";
import { LinkDirection, type LinkDirectionStats } from "./linkDirection";
import { PooledDatagram } from "./datagramRing";
import {
  createTransportCounters,
  datagramBuffer,
  datagramLength,
  datagramOffset,
  type Address,
  type Datagram,
  type Transport,
} from "./transport";

/** Options for a {@link LinkConditioner}. */
export interface LinkConditionerOptions {
  /** Time source for release times (a ManualClock in tests, the app's clock in games). */
  clock: Clock;
  /** Seed for every random decision; the same seed and traffic give the same outcome. */
  seed: number;
  /** Conditions for datagrams this side sends (omitted fields are perfect). */
  outbound?: Partial<LinkConditions>;
  /** Conditions for datagrams this side receives (omitted fields are perfect). */
  inbound?: Partial<LinkConditions>;
}

/** Per-direction statistics of a {@link LinkConditioner}. */
export interface LinkConditionerStats {
  readonly outbound: Readonly<LinkDirectionStats>;
  readonly inbound: Readonly<LinkDirectionStats>;
}

/** Mixes the seed for the inbound stream so the two directions draw independent numbers. */
const INBOUND_SEED_SALT = 0x9e3779b9;

/**
 * A Transport that wraps any Transport and simulates a bad network: latency, jitter, loss (also
 * bursty), duplication, reordering and a bandwidth cap, per direction, seeded and clock-driven.
 * Held datagrams are released against `clock.now()` whenever `send`, `poll` or `update` is called
 * (never by timers), so a ManualClock makes every run exactly repeatable.
 *
 * Wrap one side with both directions, or every side with `outbound` only — not both, or each
 * datagram is conditioned twice. `counters` count what crosses the conditioner's own face: sends
 * accepted, datagrams handed out by `poll`, and datagrams it dropped (loss, bandwidth, after close).
 */
export class LinkConditioner implements Transport, AsyncDisposable {
  readonly counters = createTransportCounters();
  private readonly clock: Clock;
  private readonly outLink: LinkDirection;
  private readonly inLink: LinkDirection;
  private readonly out = new PooledDatagram();

  constructor(
    readonly inner: Transport,
    options: LinkConditionerOptions,
  ) {
    if (!Number.isInteger(options.seed)) {
      throw new TypeError(`LinkConditioner needs an integer seed (options.seed), got ${options.seed}.`);
    }
    this.clock = options.clock;
    this.outLink = new LinkDirection(options.outbound, createRng(options.seed));
    this.inLink = new LinkDirection(options.inbound, createRng((options.seed ^ INBOUND_SEED_SALT) >>> 0));
  }

  get localAddress(): Address {
    return this.inner.localAddress;
  }

  get maxDatagramSize(): number {
    return this.inner.maxDatagramSize;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  /** Statistics per direction (what was lost, duplicated, reordered, dropped by the bandwidth cap). */
  get stats(): LinkConditionerStats {
    return { outbound: this.outLink.stats, inbound: this.inLink.stats };
  }

  /** The conditions in force: `{ outbound, inbound }`. */
  get conditions(): {
    readonly outbound: Readonly<LinkConditions>;
    readonly inbound: Readonly<LinkConditions>;
  } {
    return { outbound: this.outLink.current, inbound: this.inLink.current };
  }

  /** Datagrams held (both directions) waiting for their release time. */
  get held(): number {
    return this.outLink.held + this.inLink.held;
  }

  /** The earliest release time of a held datagram (clock seconds), or undefined when none is held. */
  get nextReleaseAt(): number | undefined {
    const a = this.outLink.nextReleaseAt;
    const b = this.inLink.nextReleaseAt;
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  /** Changes conditions at runtime (e.g. heal the network); omitted directions keep theirs. */
  setConditions(conditions: { outbound?: Partial<LinkConditions>; inbound?: Partial<LinkConditions> }): void {
    if (conditions.outbound !== undefined) this.outLink.set(conditions.outbound);
    if (conditions.inbound !== undefined) this.inLink.set(conditions.inbound);
  }

  send(to: Address, data: Uint8Array, length: number = data.length): void {
    if (this.inner.closed || length > this.inner.maxDatagramSize) {
      this.counters.datagramsDropped++;
      return;
    }
    this.counters.datagramsSent++;
    this.counters.bytesSent += length;
    const lostBefore = this.outLink.stats.lost + this.outLink.stats.bandwidthDropped;
    // enter() copies: the caller may reuse its buffer while the datagram is held.
    this.outLink.enter(this.clock.now(), to, data, 0, length);
    this.counters.datagramsDropped +=
      this.outLink.stats.lost + this.outLink.stats.bandwidthDropped - lostBefore;
    this.flushOutbound();
  }

  /** The next due datagram: a reused object whose bytes are valid until the next `poll()`. */
  poll(): Datagram | undefined {
    this.update();
    const next = this.inLink.release(this.clock.now());
    if (next === undefined) return undefined;
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += next.length;
    return this.out.set(next.address, next.views.get(0, next.length));
  }

  /** Releases due outbound datagrams to the inner transport and takes in what it received. */
  update(): void {
    this.flushOutbound();
    const now = this.clock.now();
    const stats = this.inLink.stats;
    for (let d = this.inner.poll(); d !== undefined; d = this.inner.poll()) {
      const lostBefore = stats.lost + stats.bandwidthDropped;
      this.inLink.enter(now, d.from, datagramBuffer(d), datagramOffset(d), datagramLength(d));
      this.counters.datagramsDropped += stats.lost + stats.bandwidthDropped - lostBefore;
    }
  }

  /** Closes it (for `await using`). */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    this.outLink.clear();
    this.inLink.clear();
    await this.inner.close();
  }

  private flushOutbound(): void {
    const now = this.clock.now();
    for (let d = this.outLink.release(now); d !== undefined; d = this.outLink.release(now)) {
      this.inner.send(d.address, d.views.get(0, d.length));
    }
  }
}
