/**
 * SQLite store: shared rate buckets. One process owns a SQLite file, so the buckets every caller of
 * this store shares live in memory (no write, no fsync per request); memory is bounded.
 */
import { checkBucket, takeToken, type BucketState } from "../../../store/rateBucket";
import type { Store } from "../../../store/store";
import type { SqliteContext } from "./groupCommit";

/** Buckets kept at most; beyond it the least recently touched are dropped (they refill anyway). */
const MAX_BUCKETS = 100_000;

/** In-memory rate buckets behind the store interface. */
export function sqliteRates(ctx: SqliteContext): Pick<Store, "takeRateToken" | "pruneRateBuckets"> {
  const buckets = new Map<string, BucketState>();
  return {
    takeRateToken: (key, capacity, refillPerSecond, nowMs) =>
      ctx.read(() => {
        checkBucket(capacity, refillPerSecond);
        let bucket = buckets.get(key);
        if (bucket === undefined) {
          if (buckets.size >= MAX_BUCKETS) {
            const oldest = buckets.keys().next();
            if (oldest.done !== true) buckets.delete(oldest.value);
          }
          bucket = { tokens: capacity, atMs: nowMs };
        } else buckets.delete(key); // re-inserted below: Map order = least recently touched first
        buckets.set(key, bucket);
        return takeToken(bucket, capacity, refillPerSecond, nowMs);
      }),
    pruneRateBuckets: (beforeMs) =>
      ctx.read(() => {
        let n = 0;
        for (const [key, bucket] of buckets) {
          if (bucket.atMs < beforeMs) {
            buckets.delete(key);
            n++;
          }
        }
        return n;
      }),
  };
}
