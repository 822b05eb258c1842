/**
 * PostgreSQL store: rate buckets shared by every service process, in `rate_buckets`. One
 * transaction per take: create the row if missing, lock it, refill and take in TS, write back.
 */
import { checkBucket, takeToken } from "../../../store/rateBucket";
import type { Store } from "../../../store/store";
import type { PgContext } from "./pgContext";

/** Rate buckets over a pg pool. */
export function pgRates(ctx: PgContext): Pick<Store, "takeRateToken" | "pruneRateBuckets"> {
  return {
    takeRateToken: async (key, capacity, refillPerSecond, nowMs) => {
      checkBucket(capacity, refillPerSecond);
      return await ctx.tx(async (tq) => {
        await tq(
          "INSERT INTO rate_buckets (key, tokens, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
          [key, capacity, nowMs],
        );
        const row = (
          await tq("SELECT tokens, updated_at FROM rate_buckets WHERE key = $1 FOR UPDATE", [key])
        )[0];
        const bucket = { tokens: Number(row?.tokens ?? capacity), atMs: Number(row?.updated_at ?? nowMs) };
        const wait = takeToken(bucket, capacity, refillPerSecond, nowMs);
        await tq("UPDATE rate_buckets SET tokens = $2, updated_at = $3 WHERE key = $1", [
          key,
          bucket.tokens,
          bucket.atMs,
        ]);
        return wait;
      });
    },
    pruneRateBuckets: async (beforeMs) =>
      (await ctx.q("DELETE FROM rate_buckets WHERE updated_at < $1 RETURNING key", [beforeMs])).length,
  };
}
