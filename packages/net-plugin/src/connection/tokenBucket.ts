/**
 * A token bucket: `rate` tokens per second refill up to `burst`; taking more than is there fails.
 * Time is passed in (seconds from the connection's clock), never read from the wall.
 */
export class TokenBucket {
  // Both start as a double (NaN, set in the constructor), not as the `undefined` a declared-only
  // field gets: V8 then keeps them unboxed and a per-packet store allocates nothing.
  private tokens = Number.NaN;
  private last = Number.NaN;

  constructor(
    readonly rate: number,
    readonly burst: number,
    now: number,
  ) {
    if (!(rate > 0) || !(burst > 0)) {
      throw new RangeError(`TokenBucket needs rate > 0 and burst > 0, got rate ${rate}, burst ${burst}.`);
    }
    this.tokens = burst;
    this.last = now;
  }

  /** Takes `amount` tokens if available at time `now`; false (and nothing taken) otherwise. */
  take(amount: number, now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate);
      this.last = now;
    }
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  /** Tokens available right now (after refilling to `now`). */
  available(now: number): number {
    return Math.min(this.burst, this.tokens + Math.max(0, now - this.last) * this.rate);
  }
}
