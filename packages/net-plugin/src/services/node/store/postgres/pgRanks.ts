/**
 * Ranks on PostgreSQL without COUNT(*) scans: `score_buckets` keeps, per board, how many entries
 * fall in each bucket of a 7-level radix-256 hierarchy over the offset sort key
 * `k' = rank_key + 2^53` (0 ≤ k' < 2^54 ≤ 2^56). Level `l` bucket = `k' >> 8l`; level 0 is the exact
 * key. The number of entries with a smaller key is the sum, over the levels, of the bucket counts
 * of the key's left siblings — at most 255 rows per level read through the primary-key index — and
 * ties (same key) are counted through the `(board_id, rank_key, seq)` index. Bucket counts change
 * in the same transaction as the score rows, so every process sharing the database agrees.
 */
import type { Query } from "./pgContext";

/** Offset that makes every sort key non-negative (scores are safe integers, |k| < 2^53). */
const OFFSET = 2n ** 53n;
/** Levels of the hierarchy: 7 × 8 bits ≥ the 54 bits of an offset key. */
export const LEVELS = 7;

/** `(level, bucket)` of each level for a sort key. */
export function bucketsOf(rankKey: number): bigint[] {
  const k = BigInt(rankKey) + OFFSET;
  const out: bigint[] = [];
  for (let l = 0; l < LEVELS; l++) out.push(k >> BigInt(8 * l));
  return out;
}

/** Adds +1/−1 per level for a key into `deltas` (key `board\u0000level\u0000bucket`). */
export function addBucketDeltas(
  deltas: Map<string, number>,
  board: string,
  rankKey: number,
  delta: number,
): void {
  bucketsOf(rankKey).forEach((bucket, level) => {
    const key = `${board}\u0000${level}\u0000${bucket}`;
    deltas.set(key, (deltas.get(key) ?? 0) + delta);
  });
}

/** Writes bucket deltas in (board, level, bucket) order — one lock order for every process. */
export async function applyBucketDeltas(q: Query, deltas: Map<string, number>): Promise<void> {
  const rows = [...deltas.entries()]
    .filter(([, d]) => d !== 0)
    .map(([key, d]) => {
      const [board, level, bucket] = key.split("\u0000") as [string, string, string];
      return { board, level: Number(level), bucket: BigInt(bucket), d };
    })
    .sort((a, b) =>
      a.board < b.board
        ? -1
        : a.board > b.board
          ? 1
          : a.level - b.level || (a.bucket < b.bucket ? -1 : a.bucket > b.bucket ? 1 : 0),
    );
  if (rows.length === 0) return;
  await q(
    `INSERT INTO score_buckets (board_id, level, bucket, n)
     SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::bigint[]) ORDER BY 1, 2, 3
     ON CONFLICT (board_id, level, bucket) DO UPDATE SET n = score_buckets.n + excluded.n`,
    [
      rows.map((r) => r.board),
      rows.map((r) => r.level),
      rows.map((r) => r.bucket.toString()),
      rows.map((r) => r.d),
    ],
  );
}

/**
 * SQL expression: how many entries of board `board` sort before position `(key, seq)` — the left
 * siblings' bucket counts on every level plus the ties before it. Arguments are SQL expressions.
 */
export function rankBeforeSql(board: string, key: string, seq: string): string {
  // One explicit range per level (not a join over generate_series): every part is a plain
  // primary-key range scan whatever the planner knows about the tables.
  const k = `(${key} + ${OFFSET})`;
  const levels = Array.from(
    { length: LEVELS },
    (
      _,
      l,
    ) => `(SELECT COALESCE(SUM(b.n), 0) FROM score_buckets b WHERE b.board_id = ${board} AND b.level = ${l}
       AND b.bucket >= ((${k} >> ${8 * (l + 1)}) << 8) AND b.bucket < (${k} >> ${8 * l}))`,
  );
  return `(${levels.join(" + ")}
    + (SELECT COUNT(*) FROM scores t WHERE t.board_id = ${board} AND t.rank_key = ${key} AND t.seq < ${seq}))`;
}

/**
 * 0-based ranks of `(board, rankKey, seq)` positions: how many entries sort before each. Entries
 * need not exist (a superseded value ranks where it would stand).
 */
export async function ranksOf(
  q: Query,
  items: readonly { board: string; rankKey: number; seq: number }[],
): Promise<number[]> {
  if (items.length === 0) return [];
  const rows = await q(
    `SELECT x.i, ${rankBeforeSql("x.board", "x.k", "x.s")} AS before
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS x(board, k, s, i)`,
    [items.map((i) => i.board), items.map((i) => i.rankKey), items.map((i) => i.seq)],
  );
  const out = new Array<number>(items.length).fill(0);
  for (const r of rows) out[Number(r.i) - 1] = Number(r.before);
  return out;
}

/** Number of entries on a board (the top level has at most 64 buckets). */
export async function countEntries(q: Query, board: string): Promise<number> {
  const rows = await q(
    "SELECT COALESCE(SUM(n), 0) AS n FROM score_buckets WHERE board_id = $1 AND level = $2",
    [board, LEVELS - 1],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * The sort key of the entry at 0-based `rank` and how many entries with that same key come
 * before it — found by descending the bucket hierarchy (≤ 255 rows per level), not by OFFSET.
 */
export async function keyAtRank(
  q: Query,
  board: string,
  rank: number,
): Promise<{ rankKey: number; tiesBefore: number } | undefined> {
  let rest = BigInt(rank);
  let lo = 0n;
  let hi = 1n << BigInt(8 * LEVELS);
  let found = -1n;
  for (let level = LEVELS - 1; level >= 0; level--) {
    const rows = await q(
      `SELECT bucket, n FROM score_buckets WHERE board_id = $1 AND level = $2 AND bucket >= $3 AND bucket < $4
       AND n > 0 ORDER BY bucket`,
      [board, level, lo.toString(), hi.toString()],
    );
    found = -1n;
    for (const r of rows) {
      const n = BigInt(String(r.n));
      if (rest < n) {
        found = BigInt(String(r.bucket));
        break;
      }
      rest -= n;
    }
    if (found < 0n) return undefined;
    lo = found << 8n;
    hi = (found + 1n) << 8n;
  }
  return { rankKey: Number(found - OFFSET), tiesBefore: Number(rest) };
}
