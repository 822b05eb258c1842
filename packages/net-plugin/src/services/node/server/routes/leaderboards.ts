/**
 * Leaderboard routes: list boards, submit (players on open boards, game servers on any), global
 * page, around-me, friends and own entry. Server-side validation: the score must be an integer
 * within the board's bounds (400), `serverOnly` boards refuse players (403), and each user may
 * submit to a board at most once per `minIntervalSeconds` (429) — per process from memory, and
 * across processes from the stored entry's `updatedAt` (the last time the score changed).
 */
import type { FastifyInstance } from "fastify";
import { Routes, type RouteBody, type RouteQuery } from "../../../api";
import { callerOf } from "../auth";
import { leaderboardInfo, scoreEntry, type ServicesContext } from "../context";
import type { LeaderboardConfig } from "../config";
import { ApiError } from "../errors";
import { Bodies, Params, Queries } from "../schemas";

/** Submit times remembered before old ones are pruned (memory bound of the interval check). */
const MAX_TRACKED_SUBMITS = 100_000;
/** Default page size when `count` is omitted. */
const DEFAULT_COUNT = 10;

/** Registers the leaderboard routes. */
export function leaderboardRoutes(app: FastifyInstance, ctx: ServicesContext): void {
  const { store } = ctx;
  const R = Routes;
  /** Last accepted submit per board and user (monotonic seconds), for `minIntervalSeconds`. */
  const lastSubmit = new Map<string, number>();

  /** Forgets submits older than every board's interval, bounding the map. */
  const prune = (now: number): void => {
    for (const [key, at] of lastSubmit) if (now - at >= longestInterval) lastSubmit.delete(key);
  };
  const longestInterval = Math.max(0, ...[...ctx.boards.values()].map((b) => b.minIntervalSeconds));

  const board = (id: string): LeaderboardConfig => {
    const found = ctx.boards.get(id);
    if (found === undefined) throw new ApiError("not_found", `No leaderboard "${id}".`);
    return found;
  };

  const submit = async (def: LeaderboardConfig, userId: string, score: number) => {
    if (score < def.min || score > def.max) {
      throw new ApiError(
        "bad_request",
        `score must be within [${def.min}, ${def.max}] on "${def.id}".`,
        "body.score",
      );
    }
    if (def.minIntervalSeconds > 0) {
      const key = `${def.id}\u0000${userId}`;
      const now = ctx.now();
      const last = lastSubmit.get(key);
      const refused = () =>
        new ApiError("rate_limited", `One score per ${def.minIntervalSeconds} s on "${def.id}".`);
      if (last !== undefined && now - last < def.minIntervalSeconds) throw refused();
      // Claimed before awaiting, so concurrent submits on this process cannot both pass.
      lastSubmit.set(key, now);
      if (lastSubmit.size > MAX_TRACKED_SUBMITS) prune(now);
      // The stored entry's time holds the interval across processes and restarts: a score that
      // changed less than the interval ago (on any process) refuses this one.
      const stored = await store.getScore(def.id, userId);
      if (stored !== undefined && ctx.nowMs() - stored.updatedAtMs < def.minIntervalSeconds * 1000) {
        if (last === undefined) lastSubmit.delete(key);
        else lastSubmit.set(key, last);
        throw refused();
      }
    }
    const result = await store.submitScore(def.id, userId, score, ctx.nowMs());
    return { entry: scoreEntry(result.entry), changed: result.changed };
  };

  app.route({
    method: R.listLeaderboards.method,
    url: R.listLeaderboards.path,
    config: { auth: "user" },
    handler: () => Promise.resolve({ boards: [...ctx.boards.values()].map(leaderboardInfo) }),
  });

  app.route({
    method: R.setScore.method,
    url: R.setScore.path,
    config: { auth: "user" },
    schema: { params: Params.board, body: Bodies.setScore },
    handler: async (request) => {
      const def = board((request.params as { board: string }).board);
      if (def.serverOnly)
        throw new ApiError("forbidden", `Only game servers may write leaderboard "${def.id}".`);
      return submit(def, callerOf(request), (request.body as RouteBody<"setScore">).score);
    },
  });

  app.route({
    method: R.serverSetScore.method,
    url: R.serverSetScore.path,
    config: { auth: "server" },
    schema: { params: Params.board, body: Bodies.serverSetScore },
    handler: async (request) => {
      const def = board((request.params as { board: string }).board);
      const body = request.body as RouteBody<"serverSetScore">;
      if ((await store.getUser(body.userId)) === undefined) {
        throw new ApiError("not_found", `No user "${body.userId}".`, "body.userId");
      }
      return submit(def, body.userId, body.score);
    },
  });

  app.route({
    method: R.getGlobalScores.method,
    url: R.getGlobalScores.path,
    config: { auth: "user" },
    schema: { params: Params.board, querystring: Queries.getGlobalScores },
    handler: async (request) => {
      const def = board((request.params as { board: string }).board);
      const query = request.query as RouteQuery<"getGlobalScores">;
      const [rows, total] = await Promise.all([
        store.getTop(def.id, query.from ?? 0, query.count ?? DEFAULT_COUNT),
        store.countScores(def.id),
      ]);
      return { entries: rows.map(scoreEntry), total };
    },
  });

  app.route({
    method: R.getScoresAroundMe.method,
    url: R.getScoresAroundMe.path,
    config: { auth: "user" },
    schema: { params: Params.board, querystring: Queries.getScoresAroundMe },
    handler: async (request) => {
      const def = board((request.params as { board: string }).board);
      const query = request.query as RouteQuery<"getScoresAroundMe">;
      const rows = await store.getAround(def.id, callerOf(request), query.count ?? DEFAULT_COUNT);
      return { entries: rows.map(scoreEntry) };
    },
  });

  app.route({
    method: R.getFriendScores.method,
    url: R.getFriendScores.path,
    config: { auth: "user" },
    schema: { params: Params.board },
    handler: async (request) => {
      const def = board((request.params as { board: string }).board);
      const caller = callerOf(request);
      const friends = (await store.listFriends(caller))
        .filter((f) => f.state === "friend")
        .map((f) => f.userId);
      const rows = await store.getScoresFor(def.id, [caller, ...friends]);
      return { entries: rows.map(scoreEntry) };
    },
  });

  app.route({
    method: R.getMyScore.method,
    url: R.getMyScore.path,
    config: { auth: "user" },
    schema: { params: Params.board },
    handler: async (request) => {
      const def = board((request.params as { board: string }).board);
      const row = await store.getScore(def.id, callerOf(request));
      return { entry: row === undefined ? null : scoreEntry(row) };
    },
  });
}
