/**
 * Injected clocks. Everything in Canopy reads time through a {@link Clock}, never from
 * `Date.now()` or `performance.now()` directly, so a test or a replay can drive time by hand.
 */

/** A monotonic time source in seconds. */
export interface Clock {
  /** Seconds since an arbitrary origin; never decreases. */
  now(): number;
}

/** The real monotonic clock (`performance.now()`), in seconds. */
export class RealClock implements Clock {
  now(): number {
    return performance.now() / 1000;
  }
}

/** A clock that only moves when told to: for tests, replays and deterministic servers. */
export class ManualClock implements Clock {
  private time: number;

  constructor(startSeconds = 0) {
    this.time = startSeconds;
  }

  now(): number {
    return this.time;
  }

  /** Moves time forward by `seconds` (must be ≥ 0). */
  advance(seconds: number): void {
    if (!(seconds >= 0)) throw new RangeError(`ManualClock.advance expects seconds ≥ 0, got ${seconds}.`);
    this.time += seconds;
  }

  /** Jumps to an absolute time; it may not go backwards. */
  set(seconds: number): void {
    if (!(seconds >= this.time)) {
      throw new RangeError(`ManualClock.set cannot go back in time (${seconds} < ${this.time}).`);
    }
    this.time = seconds;
  }
}
