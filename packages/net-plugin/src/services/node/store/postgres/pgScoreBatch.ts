/**
 * Group commit of score submits on PostgreSQL: submits queued while a batch is in flight go into
 * the next one, and each batch is ONE transaction of a fixed number of statements whatever its
 * size (lock the rows, draw sequence numbers, one multi-row upsert of scores, one of bucket
 * counts, one rank query). One batch is in flight per process, so submits keep their call order.
 */
import { InvalidError, NotFoundError } from "../../../store/errors";
import type { BoardDefinition, ScoreRecord, SubmitResult } from "../../../store/records";
import { applyRule, checkScore, rankKey } from "../../../store/scores";
import { str, toBoard } from "../rows";
import type { PgContext, Query } from "./pgContext";
import { addBucketDeltas, applyBucketDeltas, ranksOf } from "./pgRanks";

interface Submit {
  board: string;
  user: string;
  score: number;
  now: number;
  resolve: (r: SubmitResult) => void;
  reject: (e: unknown) => void;
}

interface State {
  score: number;
  rankKey: number;
  seq: number;
  updatedAt: number;
}

/** Most submits per transaction (bounds statement sizes and lock hold times). */
const MAX_BATCH = 2000;

/** The per-process submit queue of a PostgreSQL store. */
export class ScoreBatcher {
  private queue: Submit[] = [];
  private running = false;
  /** Committed batches and the submits in them. */
  readonly stats = { batches: 0, writes: 0 };

  constructor(private readonly ctx: PgContext) {}

  submit(board: string, user: string, score: number, now: number): Promise<SubmitResult> {
    if (this.ctx.closed) return Promise.reject(new Error("Store is closed: open a new one."));
    return new Promise((resolve, reject) => {
      this.queue.push({ board, user, score, now, resolve, reject });
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves once nothing is queued or in flight. */
  async idle(): Promise<void> {
    while (this.running) await new Promise((r) => setTimeout(r, 5));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const outcomes = new Array<{ ok: true; value: SubmitResult } | { ok: false; error: unknown }>(
        batch.length,
      );
      try {
        await this.ctx.tx((q) => this.run(q, batch, outcomes));
        this.stats.batches++;
        this.stats.writes += batch.length;
        batch.forEach((s, i) => {
          const o = outcomes[i];
          if (o?.ok === true) s.resolve(o.value);
          else s.reject(o?.error ?? new Error("Score batch produced no outcome."));
        });
      } catch (error) {
        for (const s of batch) s.reject(error);
      }
    }
    this.running = false;
  }

  private async run(
    q: Query,
    batch: Submit[],
    outcomes: ({ ok: true; value: SubmitResult } | { ok: false; error: unknown })[],
  ): Promise<void> {
    const boards = new Map<string, BoardDefinition>();
    for (const r of await q("SELECT * FROM boards WHERE id = ANY($1)", [
      [...new Set(batch.map((s) => s.board))],
    ])) {
      boards.set(str(r.id), toBoard(r));
    }
    const names = new Map<string, string>();
    for (const r of await q("SELECT id, display_name FROM users WHERE id = ANY($1)", [
      [...new Set(batch.map((s) => s.user))],
    ])) {
      names.set(str(r.id), str(r.display_name));
    }
    const pairs = [...new Set(batch.map((s) => `${s.board}\u0000${s.user}`))].sort();
    const split = pairs.map((p) => p.split("\u0000") as [string, string]);
    // Entries that do not exist yet have no row to lock: lock every (board, user) pair itself, in
    // one global order, so another process's batch for the same user waits instead of racing.
    await q(
      `SELECT pg_advisory_xact_lock(h) FROM (
         SELECT DISTINCT hashtext(b || '/' || u) AS h FROM unnest($1::text[], $2::text[]) AS p(b, u) ORDER BY 1
       ) AS locks`,
      [split.map((p) => p[0]), split.map((p) => p[1])],
    );
    const original = new Map<string, State>();
    for (const r of await q(
      `SELECT s.board_id, s.user_id, s.score, s.rank_key, s.seq, s.updated_at FROM scores s
       JOIN unnest($1::text[], $2::text[]) AS p(b, u) ON s.board_id = p.b AND s.user_id = p.u
       ORDER BY s.board_id, s.user_id FOR UPDATE OF s`,
      [split.map((p) => p[0]), split.map((p) => p[1])],
    )) {
      original.set(`${str(r.board_id)}\u0000${str(r.user_id)}`, {
        score: Number(r.score),
        rankKey: Number(r.rank_key),
        seq: Number(r.seq),
        updatedAt: Number(r.updated_at),
      });
    }
    // Apply the rules in call order against the evolving state; refusals touch nothing.
    const current = new Map(original);
    const results: ({ key: string; state: State; changed: boolean } | undefined)[] = [];
    let changes = 0;
    batch.forEach((s, i) => {
      try {
        const board = boards.get(s.board);
        if (board === undefined) throw new NotFoundError("board", `No leaderboard "${s.board}".`);
        checkScore(board, s.score);
        if (!names.has(s.user)) throw new NotFoundError("user", `No user ${s.user}.`);
        const key = `${s.board}\u0000${s.user}`;
        const old = current.get(key);
        const next = applyRule(board, old?.score, s.score);
        if (next === undefined && old !== undefined) {
          results[i] = { key, state: old, changed: false };
          return;
        }
        const value = next ?? s.score;
        const state: State = { score: value, rankKey: rankKey(board, value), seq: -1, updatedAt: s.now };
        current.set(key, state);
        results[i] = { key, state, changed: true };
        changes++;
      } catch (error) {
        if (!(error instanceof NotFoundError || error instanceof InvalidError)) throw error;
        outcomes[i] = { ok: false, error };
      }
    });
    if (changes > 0) {
      const seqs = (await q("SELECT nextval('score_seq') AS s FROM generate_series(1, $1)", [changes]))
        .map((r) => Number(r.s))
        .sort((a, b) => a - b);
      let n = 0;
      for (const r of results) if (r?.changed === true) r.state.seq = seqs[n++] as number;
      const deltas = new Map<string, number>();
      const rows: { board: string; user: string; state: State }[] = [];
      for (const [key, state] of current) {
        const old = original.get(key);
        if (old === state) continue;
        const [board, user] = key.split("\u0000") as [string, string];
        if (old !== undefined) addBucketDeltas(deltas, board, old.rankKey, -1);
        addBucketDeltas(deltas, board, state.rankKey, +1);
        rows.push({ board, user, state });
      }
      await q(
        `INSERT INTO scores (board_id, user_id, score, rank_key, seq, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
         ON CONFLICT (board_id, user_id) DO UPDATE SET score = excluded.score, rank_key = excluded.rank_key,
           seq = excluded.seq, updated_at = excluded.updated_at`,
        [
          rows.map((r) => r.board),
          rows.map((r) => r.user),
          rows.map((r) => r.state.score),
          rows.map((r) => r.state.rankKey),
          rows.map((r) => r.state.seq),
          rows.map((r) => r.state.updatedAt),
        ],
      );
      await applyBucketDeltas(q, deltas);
    }
    const ranked = results.map((r, i) => ({ r, i })).filter((x) => x.r !== undefined);
    const ranks = await ranksOf(
      q,
      ranked.map(({ r, i }) => ({
        board: batch[i]?.board ?? "",
        rankKey: r?.state.rankKey ?? 0,
        seq: r?.state.seq ?? 0,
      })),
    );
    ranked.forEach(({ r, i }, k) => {
      const s = batch[i] as Submit;
      const state = (r as { state: State }).state;
      const entry: ScoreRecord = {
        rank: (ranks[k] as number) + 1,
        userId: s.user,
        displayName: names.get(s.user) ?? "",
        score: state.score,
        updatedAtMs: state.updatedAt,
      };
      outcomes[i] = { ok: true, value: { entry, changed: (r as { changed: boolean }).changed } };
    });
  }
}
