/**
 * `Leaderboards` (Traktor's `ILeaderboards`): submit scores and read ranked pages, the scores
 * around the player and the friends' scores. Every call returns a {@link Result} completed by the
 * `ApplyServices` system; sort order and update rule (best, latest, increment) live on the server.
 */
import { Limits, routePath, type LeaderboardInfo, type ScoreEntry } from "../api";
import type { ServiceConnection } from "./connection";
import { checked, fieldOf, isLeaderboardInfo, isScoreEntry, listIn } from "./decode";
import type { Result } from "./result";
import { assertFinite, assertId, assertInt, query } from "./validate";

/** What `setScore` returns: the stored entry after the board's update rule, and whether it changed. */
export interface ScoreUpdate {
  readonly entry: ScoreEntry;
  readonly changed: boolean;
}

/** A page of ranked scores and how many entries the board holds. */
export interface LeaderboardPage {
  readonly scores: readonly ScoreEntry[];
  readonly total: number;
}

/** Leaderboards of the signed-in player. */
export interface Leaderboards {
  /** True while signed in: calls go out (or queue during a reconnect). */
  readonly ready: boolean;
  /** Every board configured on the service (id, sort order, update rule, bounds). */
  enumerate(): Result<LeaderboardInfo[]>;
  /** Submits the player's score; the board's rule decides what is kept. */
  setScore(board: string, score: number): Result<ScoreUpdate>;
  /** Ranks `from + 1 .. from + count` (0-based `from`, `count` ≤ 100). */
  getGlobalScores(board: string, from: number, count: number): Result<LeaderboardPage>;
  /** About `count` entries centred on the player (empty when the player has no score). */
  getScoresAroundMe(board: string, count: number): Result<ScoreEntry[]>;
  /** The player's and their friends' scores, ranked globally, best first. */
  getFriendScores(board: string): Result<ScoreEntry[]>;
  /** The player's own entry, or `null` without a score. */
  getMyScore(board: string): Result<ScoreEntry | null>;
}

const isScoreUpdate = (v: unknown): v is ScoreUpdate =>
  typeof v === "object" &&
  v !== null &&
  isScoreEntry((v as ScoreUpdate).entry) &&
  typeof (v as ScoreUpdate).changed === "boolean";

const isPage = (v: unknown): v is { entries: ScoreEntry[]; total: number } =>
  typeof v === "object" &&
  v !== null &&
  Array.isArray((v as { entries: unknown }).entries) &&
  (v as { entries: unknown[] }).entries.every(isScoreEntry) &&
  typeof (v as { total: unknown }).total === "number";

const isMyScore = (v: unknown): v is ScoreEntry | null => v === null || isScoreEntry(v);

const decodeBoards = listIn("boards", isLeaderboardInfo);
const decodeScoreUpdate = checked(isScoreUpdate);
const decodePage = checked(isPage);
const decodeEntries = listIn("entries", isScoreEntry);
const decodeEntryField = fieldOf("entry", isMyScore);

/** The {@link Leaderboards} service over a connection. */
export class LeaderboardsClient implements Leaderboards {
  constructor(private readonly connection: ServiceConnection) {}

  get ready(): boolean {
    return this.connection.signedIn;
  }

  enumerate(): Result<LeaderboardInfo[]> {
    return this.connection.call({
      method: "GET",
      path: routePath("listLeaderboards"),
      decode: decodeBoards,
      map: (boards) => boards,
    });
  }

  setScore(board: string, score: number): Result<ScoreUpdate> {
    assertId("board", board);
    assertFinite("score", score);
    return this.connection.call({
      method: "POST",
      path: routePath("setScore", { board }),
      body: { score },
      decode: decodeScoreUpdate,
      map: (answer) => ({ entry: answer.entry, changed: answer.changed }),
    });
  }

  getGlobalScores(board: string, from: number, count: number): Result<LeaderboardPage> {
    assertId("board", board);
    assertInt("from", from, 0, Number.MAX_SAFE_INTEGER);
    assertInt("count", count, 1, Limits.pageMax);
    return this.connection.call({
      method: "GET",
      path: routePath("getGlobalScores", { board }) + query({ from, count }),
      decode: decodePage,
      map: (page) => ({ scores: page.entries, total: page.total }),
    });
  }

  getScoresAroundMe(board: string, count: number): Result<ScoreEntry[]> {
    assertId("board", board);
    assertInt("count", count, 1, Limits.pageMax);
    return this.connection.call({
      method: "GET",
      path: routePath("getScoresAroundMe", { board }) + query({ count }),
      decode: decodeEntries,
      map: (entries) => entries,
    });
  }

  getFriendScores(board: string): Result<ScoreEntry[]> {
    assertId("board", board);
    return this.connection.call({
      method: "GET",
      path: routePath("getFriendScores", { board }),
      decode: decodeEntries,
      map: (entries) => entries,
    });
  }

  getMyScore(board: string): Result<ScoreEntry | null> {
    assertId("board", board);
    return this.connection.call({
      method: "GET",
      path: routePath("getMyScore", { board }),
      decode: decodeEntryField,
      map: (entry) => entry,
    });
  }
}
