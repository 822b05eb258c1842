/**
 * NetStats with Traktor's names: latencies in seconds (one way, half the round trip, as Traktor's
 * `averageLatency`), packet loss in percent, wire bytes per second in and out, and the named
 * counters of everything dropped. Each connection has one; a server also sums them into totals.
 */

/** Counters of one connection (or the totals of a server). Never reset while it lives. */
export interface NetCounters {
  packetsSent: number;
  packetsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Undecodable, unauthenticated or unexpected packets (wrong type for the state, bad tag...). */
  packetsInvalid: number;
  /** Packets older than the replay or sequence window. */
  packetsStale: number;
  /** Reliability-layer duplicates (same packet sequence twice, e.g. duplicated by the network). */
  packetsDuplicate: number;
  /** Encrypted packets whose sequence was already received (replays). */
  packetsReplayed: number;
  /** Packets dropped by the per-connection packet or byte buckets. */
  packetsRateLimited: number;
  /** Messages dropped by a per-channel message bucket. */
  messagesRateLimited: number;
}

/** Statistics of one connection or a server's totals (latencies in seconds). */
export interface NetStats extends NetCounters {
  /** Smoothed one-way latency (half the smoothed round-trip time), seconds. */
  averageLatency: number;
  /** Lowest recent one-way latency, seconds. */
  bestLatency: number;
  /** Highest recent one-way latency, seconds. */
  worstLatency: number;
  /** Smoothed share of our packets the peer never acknowledged, percent (0..100). */
  packetLoss: number;
  /** Wire bytes received per second (after encryption, measured over the last second). */
  bytesInPerSecond: number;
  /** Wire bytes sent per second. */
  bytesOutPerSecond: number;
}

/** A server's view: totals plus one entry per connected client (keyed by client index). */
export interface ServerNetStats extends NetStats {
  connections: number;
  /** Handshakes refused with a reason (each denial sends a denied packet). */
  handshakesDenied: number;
  /** Connection requests dropped by the per-address handshake limiter. */
  handshakesRateLimited: number;
  perConnection: ReadonlyMap<number, Readonly<NetStats>>;
}

/** Fresh zeroed statistics. */
export function createNetStats(): NetStats {
  return {
    packetsSent: 0,
    packetsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    packetsInvalid: 0,
    packetsStale: 0,
    packetsDuplicate: 0,
    packetsReplayed: 0,
    packetsRateLimited: 0,
    messagesRateLimited: 0,
    averageLatency: 0,
    bestLatency: 0,
    worstLatency: 0,
    packetLoss: 0,
    bytesInPerSecond: 0,
    bytesOutPerSecond: 0,
  };
}

const COUNTER_KEYS = [
  "packetsSent",
  "packetsReceived",
  "bytesSent",
  "bytesReceived",
  "packetsInvalid",
  "packetsStale",
  "packetsDuplicate",
  "packetsReplayed",
  "packetsRateLimited",
  "messagesRateLimited",
] as const satisfies readonly (keyof NetCounters)[];

/** Adds the counters of `from` into `into` (for totals). */
export function addCounters(into: NetCounters, from: Readonly<NetCounters>): void {
  for (const key of COUNTER_KEYS) into[key] += from[key];
}

/**
 * Bytes per second over the last 0.5–1 s, built from two half-second buckets so it needs no
 * per-packet allocation.
 */
export class RateMeter {
  private bucketStart = 0;
  private current = 0;
  private previous = 0;

  /** Counts `bytes` at time `now` (seconds). */
  add(bytes: number, now: number): void {
    this.roll(now);
    this.current += bytes;
  }

  /** The rate at `now`, bytes per second. */
  rate(now: number): number {
    this.roll(now);
    // The previous full half second plus the part of the current one: a 0.5–1 s window.
    return (this.previous + this.current) / (HALF + Math.max(0, now - this.bucketStart));
  }

  private roll(now: number): void {
    const elapsed = now - this.bucketStart;
    if (elapsed < HALF) return;
    if (elapsed < 2 * HALF) {
      this.previous = this.current;
      this.bucketStart += HALF;
    } else {
      this.previous = 0;
      this.bucketStart = now;
    }
    this.current = 0;
  }
}

const HALF = 0.5;
