/**
 * The server side of time sync: answers each ping with a pong carrying its receive and send times
 * and its continuous tick, and keeps the latency each client reports about itself, so the server
 * has Traktor's per-peer one-way latencies too. Transport-agnostic: `answer(peer, bytes, now)`
 * returns the pong to send back on an unreliable channel. docs/TIME-SYNC.md.
 */
import { readPing, writePong, type Ping, type Pong } from "./messages";
import { TimeSyncWire } from "./constants";

/** One-way latencies of one client as seen from the server (seconds; Traktor's names). */
export interface TimeSyncPeerStats {
  /** Average one-way latency server → client. */
  averageLatency: number;
  /** Smallest one-way latency server → client in the client's window. */
  bestLatency: number;
  /** Largest one-way latency server → client in the client's window. */
  worstLatency: number;
  /** Average one-way latency client → server. */
  averageReverseLatency: number;
  /** Pings answered for this client. */
  pings: number;
  /** True once the client reported measured latencies. */
  measured: boolean;
}

/** Counters of a {@link TimeSyncServer}. */
export interface TimeSyncServerCounters {
  pingsAnswered: number;
  /** Malformed pings (or pongs sent to the server), dropped. */
  pingsInvalid: number;
}

/** Server-side time sync for all clients of one server. */
export class TimeSyncServer {
  readonly counters: TimeSyncServerCounters = { pingsAnswered: 0, pingsInvalid: 0 };
  private readonly peers: (TimeSyncPeerStats | undefined)[] = []; // by peer id (client slot)
  private readonly ping: Ping = { id: 0, t0: 0, downAverage: 0, downBest: 0, downWorst: 0, upAverage: 0 };
  private readonly pong: Pong = { id: 0, t0: 0, t1: 0, t2: 0, tick: 0, tickRate: 0 };
  /** The last pong written by {@link answerAt} (reused: send or copy it before the next answer). */
  readonly pongBytes = new Uint8Array(TimeSyncWire.pongBytes);
  private readonly pongView = new DataView(this.pongBytes.buffer);
  private cachedBuffer: ArrayBufferLike | undefined;
  private cachedView: DataView | undefined;
  private refTime = 0;
  private refTick = 0;

  /** `tickRate`: the server's fixed ticks per second (FixedTime.hz). */
  constructor(readonly tickRate: number) {
    if (!(tickRate > 0 && tickRate <= 10_000))
      throw new RangeError(`TimeSyncServer: tickRate must be in (0, 10000] ticks/s, got ${tickRate}.`);
  }

  /**
   * Anchors the tick clock: at server time `time` the continuous tick was `tick`
   * (`FixedTime.tick + accumulator / dt` after the frame's fixed steps). Call once per frame.
   */
  setTickReference(tick: number, time: number): void {
    this.refTick = tick;
    this.refTime = time;
  }

  /** Continuous server tick at server time `time`, extrapolated from the last reference. */
  tickAt(time: number): number {
    return this.refTick + (time - this.refTime) * this.tickRate;
  }

  /**
   * Answers a message from `peer` received at server time `now`: a new array with the pong bytes,
   * or `undefined` if it is not a ping (not a time-sync kind, or counted invalid).
   */
  answer(peer: number, data: Uint8Array, now: number): Uint8Array | undefined {
    if (this.cachedBuffer !== data.buffer) {
      this.cachedBuffer = data.buffer;
      this.cachedView = new DataView(data.buffer);
    }
    const view = this.cachedView as DataView;
    return this.answerAt(peer, view, data.byteOffset, data.length, now) ? this.pongBytes.slice() : undefined;
  }

  /**
   * Answers the `length`-byte message at `view[at]` from `peer`, received at server time `now`:
   * true when it was a valid ping and the pong is in {@link pongBytes} (allocates nothing).
   */
  answerAt(peer: number, view: DataView, at: number, length: number, now: number): boolean {
    const kind = length > 0 ? view.getUint8(at) : -1;
    if (kind !== TimeSyncWire.pingKind && kind !== TimeSyncWire.pongKind) return false;
    const p = this.ping;
    if (!readPing(view, at, length, p)) {
      this.counters.pingsInvalid++;
      return false;
    }
    this.counters.pingsAnswered++;
    if (!Number.isInteger(peer) || peer < 0 || peer > 0xffff)
      throw new RangeError(`TimeSyncServer.answer: peer must be an id in 0..65535, got ${peer}.`);
    let stats = this.peers[peer];
    if (stats === undefined) {
      stats = {
        averageLatency: 0,
        bestLatency: 0,
        worstLatency: 0,
        averageReverseLatency: 0,
        pings: 0,
        measured: false,
      };
      this.peers[peer] = stats;
    }
    stats.pings++;
    if (p.downAverage >= 0) {
      stats.averageLatency = p.downAverage;
      stats.bestLatency = p.downBest;
      stats.worstLatency = p.downWorst;
      stats.averageReverseLatency = p.upAverage;
      stats.measured = true;
    }
    const q = this.pong;
    q.id = p.id;
    q.t0 = p.t0;
    q.t1 = now;
    q.t2 = now;
    q.tick = Math.max(0, this.tickAt(now));
    q.tickRate = this.tickRate;
    writePong(q, this.pongView);
    return true;
  }

  /** The server is the time reference: always synchronized (Traktor's `timeSynchronized`). */
  get timeSynchronized(): boolean {
    return true;
  }

  /** The server is the time reference: no variance, seconds. */
  get timeVariance(): number {
    return 0;
  }

  /** Mean over measured peers of their average one-way latency server → client, seconds (0 if none). */
  get averageLatency(): number {
    return this.reduce(
      (p) => p.averageLatency,
      (a, b) => a + b,
      true,
    );
  }

  /** Smallest one-way latency server → client over measured peers, seconds. */
  get bestLatency(): number {
    return this.reduce((p) => p.bestLatency, Math.min, false);
  }

  /** Largest one-way latency server → client over measured peers, seconds. */
  get worstLatency(): number {
    return this.reduce((p) => p.worstLatency, Math.max, false);
  }

  /** Mean over measured peers of their average one-way latency client → server, seconds. */
  get averageReverseLatency(): number {
    return this.reduce(
      (p) => p.averageReverseLatency,
      (a, b) => a + b,
      true,
    );
  }

  /** Latency stats of `peer`, or `undefined` before its first ping. */
  peerStats(peer: number): Readonly<TimeSyncPeerStats> | undefined {
    return this.peers[peer];
  }

  /** Forgets every peer for which `link.isConnected(peer)` is false (departed clients). */
  prune(link: { isConnected(peer: number): boolean }): void {
    for (let peer = 0; peer < this.peers.length; peer++) {
      if (this.peers[peer] !== undefined && !link.isConnected(peer)) this.peers[peer] = undefined;
    }
  }

  /** Forgets a disconnected peer (its slot may be reused). */
  forget(peer: number): void {
    if (peer >= 0 && peer < this.peers.length) this.peers[peer] = undefined;
  }

  private reduce(
    pick: (p: TimeSyncPeerStats) => number,
    combine: (a: number, b: number) => number,
    mean: boolean,
  ): number {
    let acc: number | undefined;
    let n = 0;
    for (const p of this.peers) {
      if (p === undefined || !p.measured) continue;
      const v = pick(p);
      acc = acc === undefined ? v : combine(acc, v);
      n++;
    }
    if (acc === undefined) return 0;
    return mean ? acc / n : acc;
  }
}
