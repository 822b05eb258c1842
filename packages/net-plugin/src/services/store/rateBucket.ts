/**
 * Token-bucket arithmetic shared by the stores' {@link Store.takeRateToken}: one bucket is
 * `{ tokens, atMs }`; it refills at `refillPerSecond` up to `capacity`.
 */

/** A bucket's state. */
export interface BucketState {
  tokens: number;
  atMs: number;
}

/** Refills `bucket` to `nowMs` and takes one token; returns 0 if taken, else seconds until one is there. */
export function takeToken(
  bucket: BucketState,
  capacity: number,
  refillPerSecond: number,
  nowMs: number,
): number {
  const elapsed = Math.max(0, nowMs - bucket.atMs) / 1000;
  bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * refillPerSecond);
  bucket.atMs = Math.max(bucket.atMs, nowMs);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  return Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerSecond));
}

/** Throws (local misuse) for a bucket that can never hold a token. */
export function checkBucket(capacity: number, refillPerSecond: number): void {
  if (!(capacity >= 1) || !(refillPerSecond > 0)) {
    throw new RangeError(
      `A rate bucket needs capacity >= 1 and refillPerSecond > 0 (got ${capacity}, ${refillPerSecond}).`,
    );
  }
}
