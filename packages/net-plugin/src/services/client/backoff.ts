/**
 * Reconnect backoff: each failed attempt doubles the wait, up to a cap, with seeded jitter so a
 * server restart is not met by every client at the same instant (thundering herd).
 */
import type { Rng } from "@canopy/core";

/** Backoff limits, in seconds. */
export interface BackoffOptions {
  /** Wait before the first retry (s, > 0). */
  readonly minDelay: number;
  /** Longest wait between retries (s, ≥ minDelay). */
  readonly maxDelay: number;
  /** Fraction of each wait that is randomised, 0..1 (0.25 → ±25 %). */
  readonly jitter: number;
}

/** Exponential backoff with jitter; `next()` gives the next wait, `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly rng: Rng,
  ) {
    if (!(options.minDelay > 0 && options.maxDelay >= options.minDelay)) {
      throw new RangeError(
        `Backoff needs 0 < minDelay ≤ maxDelay, got minDelay=${options.minDelay}, maxDelay=${options.maxDelay}.`,
      );
    }
    if (!(options.jitter >= 0 && options.jitter <= 1)) {
      throw new RangeError(`Backoff jitter must be within 0..1, got ${options.jitter}.`);
    }
  }

  /** Failed attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** The wait in seconds before the next attempt; counts one more failed attempt. */
  next(): number {
    const base = Math.min(this.options.maxDelay, this.options.minDelay * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const spread = base * this.options.jitter;
    return Math.max(0, base + this.rng.range(-spread, spread));
  }

  /** Forgets failed attempts (call once connected). */
  reset(): void {
    this.attempt = 0;
  }
}
