/**
 * The client side of time sync: sends pings, turns pongs into clock samples and exposes the
 * estimates under Traktor's names (`timeSynchronized`, `timeVariance`, `averageLatency`,
 * `bestLatency`, `worstLatency`, `averageReverseLatency`, all in seconds). Transport-agnostic:
 * `writePing(now)` returns bytes to send on an unreliable channel, `receive(bytes, now)` takes
 * what arrived. `now` is the local clock in seconds (any origin). docs/TIME-SYNC.md.
 */
import { ClockFilter, type ClockSample } from "./clockFilter";
import {
  resolveTimeSyncOptions,
  TimeSyncDefaults,
  type ResolvedTimeSyncOptions,
  type TimeSyncOptions,
} from "./constants";
import { readPong, writePing, type Ping, type Pong } from "./messages";
import { TimeSyncWire } from "./constants";

/** What {@link TimeSyncClient.receive} did with a message. */
export const TimeSyncReceive = {
  /** Not a time-sync message (first byte is another kind): route it elsewhere. */
  notMine: 0,
  /** A pong that became a sample. */
  accepted: 1,
  /** A malformed pong, dropped and counted in `pongsInvalid`. */
  invalid: 2,
  /** A pong for a ping we did not send or no longer remember, dropped and counted in `pongsStale`. */
  stale: 3,
} as const;
/** One of the {@link TimeSyncReceive} values. */
export type TimeSyncReceive = (typeof TimeSyncReceive)[keyof typeof TimeSyncReceive];

/** Counters of a {@link TimeSyncClient}. */
export interface TimeSyncClientCounters {
  pingsSent: number;
  pongsReceived: number;
  pongsInvalid: number;
  pongsStale: number;
  /** Pings sent to the client by mistake (a client only answers nothing), dropped. */
  pingsIgnored: number;
  /** Filter resets after samples stopped fitting the estimate (local or server clock jumped). */
  clockResets: number;
}

/** Client-side time sync with one server. */
export class TimeSyncClient {
  readonly options: ResolvedTimeSyncOptions;
  readonly counters: TimeSyncClientCounters = {
    pingsSent: 0,
    pongsReceived: 0,
    pongsInvalid: 0,
    pongsStale: 0,
    pingsIgnored: 0,
    clockResets: 0,
  };
  /** True once the offset estimate has converged (≥ minSamples and `timeVariance` ≤ threshold). */
  timeSynchronized = false;
  /** Average one-way latency local → server, seconds. */
  averageLatency = 0;
  /** Smallest one-way latency local → server in the window, seconds. */
  bestLatency = 0;
  /** Largest one-way latency local → server in the window, seconds. */
  worstLatency = 0;
  /** Average one-way latency server → local, seconds. */
  averageReverseLatency = 0;
  private bestReverse = 0;
  private worstReverse = 0;
  private readonly filter: ClockFilter;
  private readonly sentAt: Float64Array;
  private readonly pong: Pong = { id: 0, t0: 0, t1: 0, t2: 0, tick: 0, tickRate: 0 };
  private readonly ping: Ping = { id: 0, t0: 0, downAverage: 0, downBest: 0, downWorst: 0, upAverage: 0 };
  /** The last ping written by {@link preparePing} (reused: send or copy it before the next one). */
  readonly pingBytes = new Uint8Array(TimeSyncWire.pingBytes);
  private readonly pingView = new DataView(this.pingBytes.buffer);
  private cachedBuffer: ArrayBufferLike | undefined;
  private cachedView: DataView | undefined;
  private readonly sample: ClockSample = { t0: 0, t1: 0, t2: 0, t3: 0 };
  private readonly lat = { upAverage: 0, upBest: 0, upWorst: 0, downAverage: 0, downBest: 0, downWorst: 0 };
  private nextId = 0;
  /**
   * When the next ping is due (local seconds). Tagged on purpose (declared without an
   * initialiser, set in the constructor): `preparePing` compares it every frame, and until V8
   * optimizes that once-per-frame code, loading a double field makes a heap number each time.
   */
  private nextPingAt: number;
  private refTime = 0;
  private refTick = 0;
  private tickRate = 0;

  constructor(options: TimeSyncOptions = {}) {
    this.nextPingAt = -Infinity;
    this.options = resolveTimeSyncOptions(options);
    this.filter = new ClockFilter(this.options);
    this.sentAt = new Float64Array(TimeSyncDefaults.pendingPings).fill(NaN);
  }

  /** Spread (standard deviation, seconds) of the recent offset estimates; Infinity before enough samples. */
  get timeVariance(): number {
    return this.filter.variance;
  }

  /** Server clock minus local clock, seconds (0 before the first pong). */
  get clockOffset(): number {
    return this.filter.estimate.offset;
  }

  /** Samples currently in the filter window. */
  get samples(): number {
    return this.filter.count;
  }

  /** The ping to send now (a new array for an unreliable channel), or `undefined` if none is due. */
  writePing(now: number): Uint8Array | undefined {
    return this.preparePing(now) ? this.pingBytes.slice() : undefined;
  }

  /** Writes the ping due at `now` into {@link pingBytes} (allocates nothing); false if none is due. */
  preparePing(now: number): boolean {
    if (now < this.nextPingAt) return false;
    const interval = this.timeSynchronized
      ? this.options.syncedPingIntervalSeconds
      : this.options.pingIntervalSeconds;
    this.nextPingAt = now + interval;
    const id = this.nextId;
    this.nextId = (id + 1) & 0xffff;
    this.sentAt[id % this.sentAt.length] = now;
    this.counters.pingsSent++;
    const measured = this.filter.count > 0;
    const p = this.ping;
    p.id = id;
    p.t0 = now;
    p.downAverage = measured ? this.averageReverseLatency : -1;
    p.downBest = measured ? this.bestReverse : -1;
    p.downWorst = measured ? this.worstReverse : -1;
    p.upAverage = measured ? this.averageLatency : -1;
    writePing(p, this.pingView);
    return true;
  }

  /** Takes one received message; never throws on remote bytes. */
  receive(data: Uint8Array, now: number): TimeSyncReceive {
    if (this.cachedBuffer !== data.buffer) {
      this.cachedBuffer = data.buffer;
      this.cachedView = new DataView(data.buffer);
    }
    return this.receiveAt(this.cachedView as DataView, data.byteOffset, data.length, now);
  }

  /** {@link receive} of the `length`-byte message at `view[at]` (allocates nothing). */
  receiveAt(view: DataView, at: number, length: number, now: number): TimeSyncReceive {
    const kind = length > 0 ? view.getUint8(at) : -1;
    if (kind === TimeSyncWire.pingKind) {
      this.counters.pingsIgnored++;
      return TimeSyncReceive.invalid;
    }
    if (kind !== TimeSyncWire.pongKind) return TimeSyncReceive.notMine;
    const p = this.pong;
    if (!readPong(view, at, length, p)) {
      this.counters.pongsInvalid++;
      return TimeSyncReceive.invalid;
    }
    const slot = p.id % this.sentAt.length;
    if (this.sentAt[slot] !== p.t0 || p.t0 > now) {
      this.counters.pongsStale++;
      return TimeSyncReceive.stale;
    }
    this.sentAt[slot] = NaN; // each ping is answered once
    const s = this.sample;
    s.t0 = p.t0;
    s.t1 = p.t1;
    s.t2 = p.t2;
    s.t3 = now;
    const resets = this.filter.resets;
    if (!this.filter.add(s)) {
      this.counters.pongsInvalid++;
      return TimeSyncReceive.invalid;
    }
    if (this.filter.resets !== resets) {
      this.counters.clockResets++;
      this.timeSynchronized = false;
    }
    this.counters.pongsReceived++;
    if (p.t2 >= this.refTime || this.tickRate === 0) {
      this.refTime = p.t2;
      this.refTick = p.tick;
      this.tickRate = p.tickRate;
    }
    this.updateStats();
    return TimeSyncReceive.accepted;
  }

  /** Estimated server clock at local time `now`, seconds. */
  serverTime(now: number): number {
    return now + this.filter.estimate.offset;
  }

  /**
   * Estimated continuous server tick at local time `now` (`FixedTime.tick + accumulator/dt` on the
   * server at that instant). Exact only if base latency is symmetric; see {@link arrivalTick}.
   */
  serverTick(now: number): number {
    return this.tickAt(now + this.filter.estimate.offset);
  }

  /** Server tick at which a message sent at local time `now` reaches the server (asymmetry-proof). */
  arrivalTick(now: number): number {
    return this.tickAt(now + this.filter.estimate.uplinkOffset);
  }

  /** Server tick of the newest server message that can have arrived by local time `now` (asymmetry-proof). */
  remoteTick(now: number): number {
    return this.tickAt(now + this.filter.estimate.downlinkOffset);
  }

  /** Forgets every sample (e.g. after reconnecting to another server). */
  reset(): void {
    this.filter.clear();
    this.sentAt.fill(NaN);
    this.timeSynchronized = false;
    this.nextPingAt = -Infinity;
    this.refTime = 0;
    this.refTick = 0;
    this.tickRate = 0;
  }

  private tickAt(serverTime: number): number {
    return this.refTick + (serverTime - this.refTime) * this.tickRate;
  }

  private updateStats(): void {
    const l = this.lat;
    this.filter.latencies(l);
    this.averageLatency = l.upAverage;
    this.bestLatency = l.upBest;
    this.worstLatency = l.upWorst;
    this.averageReverseLatency = l.downAverage;
    this.bestReverse = l.downBest;
    this.worstReverse = l.downWorst;
    const v = this.filter.variance;
    const enough = this.filter.count >= this.options.minSamples;
    // Hysteresis: once synchronized, only a clock reset or twice the threshold loses it.
    if (!this.timeSynchronized) this.timeSynchronized = enough && v <= this.options.synchronizedVariance;
    else if (v > 2 * this.options.synchronizedVariance) this.timeSynchronized = false;
  }
}
