/** PostgreSQL store: leaderboards (boards, group-committed submits, bucket-count ranks). */
import { InvalidError, NotFoundError } from "../../../store/errors";
import type { ScoreRecord } from "../../../store/records";
import { checkBoard } from "../../../store/scores";
import type { ScoreStore } from "../storeParts";
import { str, toBoard, type Row } from "../rows";
import type { PgContext, Query } from "./pgContext";
import { countEntries, keyAtRank, rankBeforeSql, ranksOf } from "./pgRanks";
import type { ScoreBatcher } from "./pgScoreBatch";

const ENTRY_COLUMNS =
  "s.user_id, s.score, s.rank_key, s.seq, s.updated_at, COALESCE(u.display_name, '') AS display_name";

/** Pages starting at or past this rank are located through the bucket counts instead of OFFSET. */
export const DEEP_PAGE = 1000;

const toRecord = (r: Row, rank: number): ScoreRecord => ({
  rank,
  userId: str(r.user_id),
  displayName: str(r.display_name),
  score: Number(r.score),
  updatedAtMs: Number(r.updated_at),
});

/** Leaderboards over a pg pool. */
export function pgScores(ctx: PgContext, batcher: ScoreBatcher): ScoreStore {
  const { q } = ctx;
  const requireBoard = async (sq: Query, id: string) => {
    if ((await sq("SELECT 1 FROM boards WHERE id = $1", [id])).length === 0) {
      throw new NotFoundError("board", `No leaderboard "${id}".`);
    }
  };
  /** Rows with their ranks from the bucket counts. */
  const ranked = async (tq: Query, board: string, rows: Row[]) => {
    const ranks = await ranksOf(
      tq,
      rows.map((r) => ({ board, rankKey: Number(r.rank_key), seq: Number(r.seq) })),
    );
    return rows.map((r, i) => toRecord(r, (ranks[i] as number) + 1));
  };
  const top = async (sq: Query, board: string, from: number, count: number) => {
    if (from >= DEEP_PAGE) return deepTop(sq, board, from, count);
    const rows = await sq(
      `SELECT ${ENTRY_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id WHERE s.board_id = $1
       ORDER BY s.rank_key, s.seq OFFSET $2 LIMIT $3`,
      [board, from, count],
    );
    return rows.map((r, i) => toRecord(r, from + i + 1));
  };

  /** A page far down the board: find its first key through the buckets, then walk the index. */
  const deepTop = async (sq: Query, board: string, from: number, count: number) => {
    const start = await keyAtRank(sq, board, from);
    if (start === undefined) return [];
    const ties = await sq(
      `SELECT ${ENTRY_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
       WHERE s.board_id = $1 AND s.rank_key = $2 ORDER BY s.seq OFFSET $3 LIMIT $4`,
      [board, start.rankKey, start.tiesBefore, count],
    );
    const after =
      ties.length >= count
        ? []
        : await sq(
            `SELECT ${ENTRY_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
             WHERE s.board_id = $1 AND s.rank_key > $2 ORDER BY s.rank_key, s.seq LIMIT $3`,
            [board, start.rankKey, count - ties.length],
          );
    return [...ties, ...after].map((r, i) => toRecord(r, from + i + 1));
  };

  return {
    defineBoard: (def) =>
      ctx.tx(async (tq) => {
        checkBoard(def);
        const old = (await tq("SELECT * FROM boards WHERE id = $1 FOR UPDATE", [def.id]))[0];
        if (old !== undefined) {
          const b = toBoard(old);
          if (b.sort !== def.sort || b.rule !== def.rule) {
            throw new InvalidError(
              `Board "${def.id}" exists with sort ${b.sort}/rule ${b.rule}; they cannot change.`,
            );
          }
        }
        await tq(
          `INSERT INTO boards (id, sort, rule, min_score, max_score, server_only) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET min_score = excluded.min_score, max_score = excluded.max_score,
             server_only = excluded.server_only`,
          [def.id, def.sort, def.rule, def.min, def.max, def.serverOnly ? 1 : 0],
        );
      }),
    getBoard: async (id) => {
      const row = (await q("SELECT * FROM boards WHERE id = $1", [id]))[0];
      return row === undefined ? undefined : toBoard(row);
    },
    listBoards: async () => (await q(`SELECT * FROM boards ORDER BY id COLLATE "C"`)).map(toBoard),
    submitScore: (board, user, score, nowMs) => batcher.submit(board, user, score, nowMs),
    getScore: async (board, user) => {
      // One round trip: board check, the row and its rank.
      const rows = await q(
        `SELECT b.id AS board, ${ENTRY_COLUMNS}, ${rankBeforeSql("s.board_id", "s.rank_key", "s.seq")} AS before
         FROM boards b LEFT JOIN scores s ON s.board_id = b.id AND s.user_id = $2
         LEFT JOIN users u ON u.id = s.user_id WHERE b.id = $1`,
        [board, user],
      );
      const row = rows[0];
      if (row === undefined) throw new NotFoundError("board", `No leaderboard "${board}".`);
      return row.user_id === null ? undefined : toRecord(row, Number(row.before) + 1);
    },
    getTop: (board, from, count) =>
      ctx.snapshot(async (sq) => {
        await requireBoard(sq, board);
        return count > 0 ? top(sq, board, Math.max(0, from), count) : [];
      }),
    getAround: (board, user, count) =>
      ctx.snapshot(async (q) => {
        await requireBoard(q, board);
        const me = (
          await q("SELECT rank_key, seq FROM scores WHERE board_id = $1 AND user_id = $2", [board, user])
        )[0];
        if (me === undefined || count <= 0) return [];
        const [rank = 0] = await ranksOf(q, [{ board, rankKey: Number(me.rank_key), seq: Number(me.seq) }]);
        const total = await countEntries(q, board);
        const start = Math.max(0, Math.min(rank - Math.floor((count - 1) / 2), total - count));
        // Keyset walk from the user's row in both directions: index range scans, no OFFSET.
        const above = await q(
          `SELECT ${ENTRY_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
         WHERE s.board_id = $1 AND (s.rank_key, s.seq) < ($2, $3) ORDER BY s.rank_key DESC, s.seq DESC LIMIT $4`,
          [board, me.rank_key, me.seq, rank - start],
        );
        const below = await q(
          `SELECT ${ENTRY_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
         WHERE s.board_id = $1 AND (s.rank_key, s.seq) >= ($2, $3) ORDER BY s.rank_key, s.seq LIMIT $4`,
          [board, me.rank_key, me.seq, count - (rank - start)],
        );
        return [...above.reverse(), ...below].map((r, i) => toRecord(r, start + i + 1));
      }),
    getScoresFor: (board, users) =>
      ctx.snapshot(async (q) => {
        await requireBoard(q, board);
        const rows = await q(
          `SELECT ${ENTRY_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
         WHERE s.board_id = $1 AND s.user_id = ANY($2) ORDER BY s.rank_key, s.seq`,
          [board, [...new Set(users)]],
        );
        return ranked(q, board, rows);
      }),
    countScores: async (board) => {
      await requireBoard(q, board);
      return countEntries(q, board);
    },
  };
}
