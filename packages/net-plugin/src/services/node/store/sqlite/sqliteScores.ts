/**
 * SQLite store: leaderboards. Rows are the truth on disk; each board also has an in-memory
 * {@link RankIndex} (loaded at open, changed only after a write's SQL succeeded, reverted if its
 * transaction fails), so ranks, pages and "around me" never scan. This is sound because one
 * process owns the database file (the store opens it with an exclusive lock).
 */
import { InvalidError, NotFoundError } from "../../../store/errors";
import { RankIndex, type RankEntry } from "../../../store/rankIndex";
import type { BoardDefinition, ScoreRecord } from "../../../store/records";
import { applyRule, checkBoard, checkScore, rankKey } from "../../../store/scores";
import type { ScoreStore } from "../storeParts";
import { toBoard, type Row } from "../rows";
import type { SqliteContext } from "./groupCommit";

/** A board entry as the index holds it. */
interface Entry extends RankEntry {
  score: number;
  updatedAtMs: number;
}

/** Leaderboards over one SQLite connection. */
export function sqliteScores(ctx: SqliteContext): ScoreStore {
  const { db } = ctx;
  const boards = new Map<string, BoardDefinition>();
  const indexes = new Map<string, RankIndex<Entry>>();
  const upsertBoard = db.prepare(
    `INSERT INTO boards (id, sort, rule, min_score, max_score, server_only) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET min_score = excluded.min_score, max_score = excluded.max_score,
       server_only = excluded.server_only`,
  );
  const upsertScore = db.prepare(
    `INSERT INTO scores (board_id, user_id, score, rank_key, seq, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (board_id, user_id) DO UPDATE SET score = excluded.score, rank_key = excluded.rank_key,
       seq = excluded.seq, updated_at = excluded.updated_at`,
  );
  const nameOf = db.prepare<[string], { display_name: string }>(
    "SELECT display_name FROM users WHERE id = ?",
  );
  const boardRows = db.prepare<[], Row>("SELECT * FROM boards ORDER BY id");
  // One sequential scan of all entries, sorted in memory: far faster at open than walking the
  // rank index (a random row lookup per entry).
  const entryRows = db
    .prepare<[], [string, string, number, number, number, number]>(
      "SELECT board_id, user_id, score, rank_key, seq, updated_at FROM scores",
    )
    .raw();
  const maxSeq = db.prepare<[], { m: number | null }>("SELECT MAX(seq) AS m FROM scores").get()?.m ?? 0;
  let seq = maxSeq;

  const loaded = new Map<string, Entry[]>();
  for (const row of boardRows.all()) {
    const board = toBoard(row);
    boards.set(board.id, board);
    loaded.set(board.id, []);
  }
  for (const [boardId, userId, score, key, s, at] of entryRows.iterate()) {
    loaded.get(boardId)?.push({ userId, score, key, seq: s, updatedAtMs: at });
  }
  for (const [boardId, entries] of loaded) {
    const index = new RankIndex<Entry>();
    index.loadSorted(entries.sort((a, b) => a.key - b.key || a.seq - b.seq));
    indexes.set(boardId, index);
  }

  const boardOf = (id: string) => {
    const board = boards.get(id);
    const index = indexes.get(id);
    if (board === undefined || index === undefined)
      throw new NotFoundError("board", `No leaderboard "${id}".`);
    return { board, index };
  };
  const record = (entry: Entry, rank: number): ScoreRecord => ({
    rank: rank + 1,
    userId: entry.userId,
    displayName: nameOf.get(entry.userId)?.display_name ?? "",
    score: entry.score,
    updatedAtMs: entry.updatedAtMs,
  });
  const namesOf = db
    .prepare<[string], [string, string]>(
      "SELECT id, display_name FROM users WHERE id IN (SELECT value FROM json_each(?))",
    )
    .raw();
  /** Ranks `from ..` of a board with their display names, fetched in one statement. */
  const page = (index: RankIndex<Entry>, from: number, count: number) => {
    const entries: Entry[] = [];
    const ranks: number[] = [];
    index.forRange(Math.max(0, from), Math.max(0, count), (entry, rank) => {
      entries.push(entry);
      ranks.push(rank);
    });
    const names = new Map(
      entries.length === 0 ? [] : namesOf.all(JSON.stringify(entries.map((e) => e.userId))),
    );
    return entries.map((e, i): ScoreRecord => ({
      rank: (ranks[i] as number) + 1,
      userId: e.userId,
      displayName: names.get(e.userId) ?? "",
      score: e.score,
      updatedAtMs: e.updatedAtMs,
    }));
  };

  return {
    defineBoard: (def) =>
      ctx.write(() => {
        checkBoard(def);
        const old = boards.get(def.id);
        if (old !== undefined && (old.sort !== def.sort || old.rule !== def.rule)) {
          throw new InvalidError(
            `Board "${def.id}" exists with sort ${old.sort}/rule ${old.rule}; they cannot change.`,
          );
        }
        upsertBoard.run(def.id, def.sort, def.rule, def.min, def.max, def.serverOnly ? 1 : 0);
        boards.set(def.id, { ...def });
        if (old === undefined) indexes.set(def.id, new RankIndex<Entry>());
        ctx.undo(() => {
          if (old === undefined) {
            boards.delete(def.id);
            indexes.delete(def.id);
          } else boards.set(def.id, old);
        });
      }),
    getBoard: (id) =>
      ctx.read(() => (boards.has(id) ? { ...(boards.get(id) as BoardDefinition) } : undefined)),
    listBoards: () =>
      ctx.read(() => [...boards.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((b) => ({ ...b }))),

    submitScore: (boardId, userId, score, nowMs) =>
      ctx.write(() => {
        const { board, index } = boardOf(boardId);
        checkScore(board, score);
        if (nameOf.get(userId) === undefined) throw new NotFoundError("user", `No user ${userId}.`);
        const old = index.get(userId);
        const next = applyRule(board, old?.score, score);
        if (next === undefined && old !== undefined) {
          return { entry: record(old, index.rankOf(userId)), changed: false };
        }
        const value = next ?? score;
        const entry: Entry = {
          userId,
          score: value,
          key: rankKey(board, value),
          seq: ++seq,
          updatedAtMs: nowMs,
        };
        upsertScore.run(boardId, userId, value, entry.key, entry.seq, nowMs);
        index.remove(userId);
        index.insert(entry);
        ctx.undo(() => {
          index.remove(userId);
          if (old !== undefined) index.insert(old);
        });
        return { entry: record(entry, index.rankOf(userId)), changed: true };
      }),
    getScore: (boardId, userId) =>
      ctx.read(() => {
        const { index } = boardOf(boardId);
        const entry = index.get(userId);
        return entry === undefined ? undefined : record(entry, index.rankOf(userId));
      }),
    getTop: (boardId, from, count) => ctx.read(() => page(boardOf(boardId).index, from, count)),
    getAround: (boardId, userId, count) =>
      ctx.read(() => {
        const { index } = boardOf(boardId);
        const rank = index.rankOf(userId);
        if (rank < 0 || count <= 0) return [];
        const start = Math.max(0, Math.min(rank - Math.floor((count - 1) / 2), index.size - count));
        return page(index, start, count);
      }),
    getScoresFor: (boardId, userIds) =>
      ctx.read(() => {
        const { index } = boardOf(boardId);
        const out: ScoreRecord[] = [];
        for (const id of new Set(userIds)) {
          const entry = index.get(id);
          if (entry !== undefined) out.push(record(entry, index.rankOf(id)));
        }
        return out.sort((a, b) => a.rank - b.rank);
      }),
    countScores: (boardId) => ctx.read(() => boardOf(boardId).index.size),
  };
}
