/**
 * The server side of time sync: answers each ping with a pong carrying its receive and send times
 * and its continuous tick, and keeps the latency each client reports about itself, so the server
 * has Traktor's per-peer one-way latencies too. Transport-agnostic: `answer(peer, bytes, now)`
 * returns the pong to send back on an unreliable channel. docs/TIME-SYNC.md.
 */
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

/** Bytes of the four latencies a ping reports (f32 each). */
const LATENCY_BYTES = 16;
/** Offset of the latency report in a ping. */
const PING_LATENCY_AT = 11;

/** One client's record: its stats (decoded on read) and the raw latency bytes of its last report. */
interface PeerRecord {
  readonly stats: TimeSyncPeerStats;
  readonly raw: Uint8Array;
  /** True when `raw` changed since `stats` was decoded from it. */
  stale: boolean;
}

/** Server-side time sync for all clients of one server. */
export class TimeSyncServer {
  readonly counters: TimeSyncServerCounters = { pingsAnswered: 0, pingsInvalid: 0 };
  private readonly peers: (PeerRecord | undefined)[] = []; // by peer id (client slot)
  /**
   * The last pong written by {@link answerAt} (reused: send or copy it before the next answer).
   * Its times, tick and tick rate are written once per `now`; each answer copies in id and t0.
   */
  readonly pongBytes = new Uint8Array(TimeSyncWire.pongBytes);
  private readonly pongView = new DataView(this.pongBytes.buffer);
  /** `now` of the pong template, as bits (compared as 16-bit halves: no boxed doubles). */
  private readonly templateTime = new Float64Array(1);
  private readonly templateBits = new Uint16Array(this.templateTime.buffer);
  private readonly probeTime = new Float64Array(1);
  private readonly probeBits = new Uint16Array(this.probeTime.buffer);
  private templateValid = false;
  private cachedBuffer: ArrayBufferLike | undefined;
  private cachedView: DataView | undefined;
  private refTime = 0;
  private refTick = 0;

  /** `tickRate`: the server's fixed ticks per second (FixedTime.hz). */
  constructor(readonly tickRate: number) {
    if (!(tickRate > 0 && tickRate <= 10_000))
      throw new RangeError(`TimeSyncServer: tickRate must be in (0, 10000] ticks/s, got ${tickRate}.`);
    this.pongBytes[0] = TimeSyncWire.pongKind;
  }

  /**
   * Anchors the tick clock: at server time `time` the continuous tick was `tick`
   * (`FixedTime.tick + accumulator / dt` at the end of a frame's fixed steps).
   */
  setTickReference(tick: number, time: number): void {
    this.refTick = tick;
    this.refTime = time;
    this.templateValid = false;
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
   * true when it was a valid ping and the pong is in {@link pongBytes}. Works on bytes and 16-bit
   * integers only (checks included), so answering allocates nothing even before V8 optimizes it.
   */
  answerAt(peer: number, view: DataView, at: number, length: number, now: number): boolean {
    const kind = length > 0 ? view.getUint8(at) : -1;
    if (kind !== TimeSyncWire.pingKind && kind !== TimeSyncWire.pongKind) return false;
    if (length !== TimeSyncWire.pingBytes || kind !== TimeSyncWire.pingKind || !pingValuesOk(view, at)) {
      this.counters.pingsInvalid++;
      return false;
    }
    this.counters.pingsAnswered++;
    if (!Number.isInteger(peer) || peer < 0 || peer > 0xffff)
      throw new RangeError(`TimeSyncServer.answerAt: peer must be an id in 0..65535, got ${peer}.`);
    let record = this.peers[peer];
    if (record === undefined) {
      record = {
        stats: {
          averageLatency: 0,
          bestLatency: 0,
          worstLatency: 0,
          averageReverseLatency: 0,
          pings: 0,
          measured: false,
        },
        raw: new Uint8Array(LATENCY_BYTES),
        stale: false,
      };
      this.peers[peer] = record;
    }
    record.stats.pings++;
    // A report of −1 ("not measured yet") leaves the last measured one in place.
    if (!isMinusOne(view, at + PING_LATENCY_AT)) {
      for (let k = 0; k < LATENCY_BYTES; k++) record.raw[k] = view.getUint8(at + PING_LATENCY_AT + k);
      record.stats.measured = true;
      record.stale = true;
    }
    this.prepareTemplate(now);
    const pong = this.pongBytes;
    for (let k = 1; k < 11; k++) pong[k] = view.getUint8(at + k); // id and t0, echoed
    return true;
  }

  /** Writes t1 = t2 = `now`, the tick at `now` and the tick rate into the pong, once per `now`. */
  private prepareTemplate(now: number): void {
    this.probeTime[0] = now;
    const p = this.probeBits;
    const t = this.templateBits;
    if (this.templateValid && p[0] === t[0] && p[1] === t[1] && p[2] === t[2] && p[3] === t[3]) return;
    this.templateTime[0] = now;
    this.templateValid = true;
    const v = this.pongView;
    v.setFloat64(11, now, true);
    v.setFloat64(19, now, true);
    v.setFloat64(27, Math.max(0, this.tickAt(now)), true);
    v.setFloat64(35, this.tickRate, true);
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
    const record = this.peers[peer];
    return record === undefined ? undefined : decoded(record);
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
    for (const record of this.peers) {
      if (record === undefined || !record.stats.measured) continue;
      const v = pick(decoded(record));
      acc = acc === undefined ? v : combine(acc, v);
      n++;
    }
    if (acc === undefined) return 0;
    return mean ? acc / n : acc;
  }
}

/** The record's stats, decoded from its raw report if that changed. */
function decoded(record: PeerRecord): TimeSyncPeerStats {
  if (record.stale) {
    const v = new DataView(record.raw.buffer);
    const s = record.stats;
    s.averageLatency = v.getFloat32(0, true);
    s.bestLatency = v.getFloat32(4, true);
    s.worstLatency = v.getFloat32(8, true);
    s.averageReverseLatency = v.getFloat32(12, true);
    record.stale = false;
  }
  return record.stats;
}

/** The f32 at `view[at]` is −1 (bytes 00 00 80 BF). */
function isMinusOne(view: DataView, at: number): boolean {
  return view.getUint16(at, true) === 0 && view.getUint16(at + 2, true) === 0xbf80;
}

/**
 * A ping's values are acceptable: t0 finite, each reported latency −1 or within 0..60 s (checked
 * on the bit patterns, so no double is made).
 */
function pingValuesOk(view: DataView, at: number): boolean {
  // f64 t0 at +3: not finite when the 11 exponent bits are all ones.
  if ((view.getUint16(at + 9, true) & 0x7ff0) === 0x7ff0) return false;
  for (let o = at + PING_LATENCY_AT; o < at + PING_LATENCY_AT + LATENCY_BYTES; o += 4) {
    const low = view.getUint16(o, true);
    const high = view.getUint16(o + 2, true);
    if (high === 0xbf80 && low === 0) continue; // −1: not measured
    if (high === 0x8000 && low === 0) continue; // −0
    // Positive (sign clear) and at most 60.0f = 0x42700000 (NaN patterns are above it).
    if (high > 0x4270 || (high === 0x4270 && low !== 0)) return false;
  }
  return true;
}
