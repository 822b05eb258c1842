/**
 * Token-bucket rate limiting, per key (a user id or a client address). Hand-written rather than
 * `@fastify/rate-limit` because it must run at two points of one request (by address before
 * authentication, by user after it), read the injected clock so tests are deterministic, and stay a
 * few dozen lines with bounded memory.
 */

/** Bucket size and refill speed. */
export interface BucketConfig {
  /** Requests allowed in a burst. */
  capacity: number;
  /** Tokens added per second (the sustained rate). */
  refillPerSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Keys kept at most; beyond it, full (idle) buckets are dropped first, then the oldest. */
const MAX_KEYS = 100_000;

/** A set of token buckets sharing one configuration. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly config: BucketConfig,
    /** Seconds, monotonic. */
    private readonly now: () => number,
  ) {
    if (!(config.capacity >= 1) || !(config.refillPerSecond > 0)) {
      throw new RangeError(
        `RateLimiter needs capacity >= 1 and refillPerSecond > 0, got ${JSON.stringify(config)}; fix the rateLimit config.`,
      );
    }
  }

  /** Takes `cost` tokens for `key`; false (nothing taken) when the bucket is too empty. */
  take(key: string, cost = 1): boolean {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_KEYS) this.evict(now);
      bucket = { tokens: this.config.capacity, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(
        this.config.capacity,
        bucket.tokens + (now - bucket.at) * this.config.refillPerSecond,
      );
      bucket.at = now;
    }
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  /** Seconds until `key` has one token again (for `Retry-After`). */
  retryAfter(key: string): number {
    const bucket = this.buckets.get(key);
    if (bucket === undefined) return 0;
    return Math.max(0, Math.ceil((1 - bucket.tokens) / this.config.refillPerSecond));
  }

  private evict(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.config.refillPerSecond >= this.config.capacity) {
        this.buckets.delete(key);
      }
    }
    if (this.buckets.size >= MAX_KEYS) {
      const first = this.buckets.keys().next();
      if (first.done !== true) this.buckets.delete(first.value);
    }
  }
}
