/**
 * Defaults of the services client, one place, each with its reason. Times are seconds on the
 * app's clock unless named otherwise.
 */
export const SERVICES_CLIENT_DEFAULTS = {
  /** An HTTP call fails with `timeout` after this long: above a slow mobile round trip plus a busy server, below a player's patience. */
  requestTimeout: 10,
  /** First reconnect wait: short, so a blip is invisible, long enough not to spin on a dead port. */
  reconnectMinDelay: 0.25,
  /** Longest reconnect wait: an outage ends within this long of the service coming back. */
  reconnectMaxDelay: 10,
  /** ±25 % randomness on every wait, so clients of a restarted service do not all return at once. */
  reconnectJitter: 0.25,
  /** Refresh the access token when this fraction of its lifetime has passed: early enough to ride out a slow refresh. */
  refreshFraction: 0.75,
  /** Calls kept while disconnected; beyond it new calls fail at once (a game that loops on calls must not grow memory). */
  maxQueuedCalls: 256,
  /** A queued call fails with `disconnected` after waiting this long: long enough for a service restart, short enough for a player. */
  queueTimeout: 30,
  /** Seed of the reconnect jitter generator; pass a different one per client in tests. */
  seed: 0x5e55,
} as const;

/** Tuning of the services client; every field is optional and defaults to {@link SERVICES_CLIENT_DEFAULTS}. */
export interface ServicesClientTuning {
  /** HTTP timeout (s, > 0). */
  requestTimeout?: number;
  /** First reconnect wait (s, > 0). */
  reconnectMinDelay?: number;
  /** Longest reconnect wait (s, ≥ reconnectMinDelay). */
  reconnectMaxDelay?: number;
  /** Reconnect jitter fraction (0..1). */
  reconnectJitter?: number;
  /** Fraction of the access token lifetime after which it is refreshed (0..1). */
  refreshFraction?: number;
  /** Most calls queued while disconnected (≥ 0). */
  maxQueuedCalls?: number;
  /** Seconds a queued call waits for the connection before it fails with `disconnected` (> 0). */
  queueTimeout?: number;
  /** Seed of the reconnect jitter. */
  seed?: number;
}
