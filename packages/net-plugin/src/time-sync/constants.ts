/**
 * Constants of time sync, each with its reason (STYLE.md habit 5). docs/TIME-SYNC.md explains the
 * algorithm these numbers tune; `TimeSyncWire` fixes the message bytes.
 */

/** Message kinds and sizes of the ping/pong messages (first byte of each message). */
export const TimeSyncWire = {
  /**
   * First byte of a ping (client → server). 0xF0–0xF1 are reserved for time sync among the
   * plugin's message kinds so a receive dispatcher can route a message by its first byte.
   */
  pingKind: 0xf0,
  /** First byte of a pong (server → client). */
  pongKind: 0xf1,
  /** kind u8, id u16, t0 f64, then the client's own latency report: 4 × f32 (seconds). */
  pingBytes: 1 + 2 + 8 + 4 * 4,
  /** kind u8, id u16, t0 f64 (echo), t1 f64, t2 f64, server tick at t2 f64, tick rate f64. */
  pongBytes: 1 + 2 + 8 * 5,
} as const;

/** Defaults of {@link TimeSyncOptions}, each with its reason. */
export const TimeSyncDefaults = {
  /** Ping interval before the clock is synchronized: 20 Hz fills the window in well under 1 s. */
  pingIntervalSeconds: 0.05,
  /**
   * Ping interval once synchronized: 4 Hz keeps ~8 s of samples in the window (enough to ride
   * out a jitter burst) for ~200 bytes/s each way.
   */
  syncedPingIntervalSeconds: 0.25,
  /** Samples kept (ring): the window over which the lowest-RTT samples are searched. */
  windowSize: 32,
  /**
   * Fraction of the window (lowest round trip first) whose offsets are combined by median:
   * low-RTT samples had the least queueing on both legs, so their offsets err the least.
   */
  bestFraction: 0.125,
  /** Samples needed before `timeSynchronized` can become true (and the fewest the filter uses). */
  minSamples: 8,
  /**
   * `timeVariance` (seconds) under which the clock counts as synchronized: 8 ms is half a 60 Hz
   * tick, so the tick estimate is within ±1 tick.
   */
  synchronizedVariance: 0.008,
  /**
   * Consecutive samples whose offset is impossible for the current estimate (outside ±RTT/2 +
   * slack) before the window is reset: one outlier is noise, three mean the clock jumped.
   */
  jumpSamples: 3,
  /** Slack (seconds) added to ±RTT/2 in the jump test, for frame quantization on both ends. */
  jumpSlackSeconds: 0.02,
  /** Pings in flight whose send time is remembered; older pongs are stale (u16 ids wrap later). */
  pendingPings: 64,
} as const;

/** Tuning of the client side of time sync; every field has a default in {@link TimeSyncDefaults}. */
export interface TimeSyncOptions {
  /** Ping interval while not synchronized, seconds. */
  pingIntervalSeconds?: number;
  /** Ping interval once synchronized, seconds. */
  syncedPingIntervalSeconds?: number;
  /** Samples kept in the filter window (≥ minSamples). */
  windowSize?: number;
  /** Fraction (0..1] of the window, lowest RTT first, whose offsets are combined. */
  bestFraction?: number;
  /** Samples needed before synchronization (≥ 1). */
  minSamples?: number;
  /** `timeVariance` in seconds under which the clock counts as synchronized. */
  synchronizedVariance?: number;
}

/** Resolved options (every field present). */
export type ResolvedTimeSyncOptions = Required<TimeSyncOptions>;

/** Fills defaults and checks every option; throws naming the bad one. */
export function resolveTimeSyncOptions(options: TimeSyncOptions = {}): ResolvedTimeSyncOptions {
  const o: ResolvedTimeSyncOptions = {
    pingIntervalSeconds: options.pingIntervalSeconds ?? TimeSyncDefaults.pingIntervalSeconds,
    syncedPingIntervalSeconds:
      options.syncedPingIntervalSeconds ?? TimeSyncDefaults.syncedPingIntervalSeconds,
    windowSize: options.windowSize ?? TimeSyncDefaults.windowSize,
    bestFraction: options.bestFraction ?? TimeSyncDefaults.bestFraction,
    minSamples: options.minSamples ?? TimeSyncDefaults.minSamples,
    synchronizedVariance: options.synchronizedVariance ?? TimeSyncDefaults.synchronizedVariance,
  };
  if (!(o.pingIntervalSeconds > 0) || !(o.syncedPingIntervalSeconds > 0))
    throw new RangeError("TimeSync: ping intervals must be > 0 seconds.");
  if (!Number.isInteger(o.minSamples) || o.minSamples < 1)
    throw new RangeError(`TimeSync: minSamples must be an integer ≥ 1, got ${o.minSamples}.`);
  if (!Number.isInteger(o.windowSize) || o.windowSize < o.minSamples || o.windowSize > 1024)
    throw new RangeError(`TimeSync: windowSize must be an integer in minSamples..1024, got ${o.windowSize}.`);
  if (!(o.bestFraction > 0 && o.bestFraction <= 1))
    throw new RangeError(`TimeSync: bestFraction must be in (0, 1], got ${o.bestFraction}.`);
  if (!(o.synchronizedVariance > 0))
    throw new RangeError(
      `TimeSync: synchronizedVariance must be > 0 seconds, got ${o.synchronizedVariance}.`,
    );
  return o;
}
