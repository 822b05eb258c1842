/**
 * The embedded store: one SQLite file through better-sqlite3. WAL journal with
 * `synchronous = FULL` (an acknowledged write survives a crash or power loss), group commit (see
 * `groupCommit.ts`), prepared statements only. The file is opened with an exclusive lock: one
 * service process owns it, which lets leaderboards keep their rank indexes in memory. Use the
 * PostgreSQL store to run several service processes.
 */
import Database from "better-sqlite3";
import type { Store } from "../../../store/store";
import { migrateSqlite } from "../migrate";
import { GroupCommit } from "./groupCommit";
import { sqliteLobbies } from "./sqliteLobbies";
import { sqliteSaves } from "./sqliteSaves";
import { sqliteScores } from "./sqliteScores";
import { sqliteUsers } from "./sqliteUsers";
import { sqliteSweep } from "./sqliteSweep";
import { sqliteRates } from "./sqliteRates";

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file path (created if missing); `":memory:"` for a throw-away store. */
  path: string;
  /** Time recorded for migrations applied now (ms since epoch). */
  nowMs: number;
  /** How long opening waits for another process to release the file, ms (default 1000). */
  busyTimeoutMs?: number;
}

/** Default wait for the file lock: long enough for a restarting process's predecessor to exit. */
const DEFAULT_BUSY_TIMEOUT_MS = 1000;

/** A SQLite store with its group-commit counters. */
export interface SqliteStore extends Store {
  readonly kind: "sqlite";
  /** Committed batches and the writes in them (writes / batches = mean group size). */
  readonly commitStats: { readonly batches: number; readonly writes: number };
}

/** Opens (creating and migrating if needed) the SQLite store at `options.path`. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const db = new Database(options.path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma("foreign_keys = OFF");
    // Touch the file under the exclusive lock at once, so a second process fails here, clearly.
    migrateSqlite(db, options.nowMs);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY") {
      throw new Error(
        `SQLite store ${options.path} is open in another process; one process owns the file ` +
          `(use the PostgreSQL store to share a database).`,
        { cause: error },
      );
    }
    throw error;
  }
  const ctx = new GroupCommit(db);
  let closed = false;
  const store: SqliteStore = {
    kind: "sqlite",
    commitStats: ctx.stats,
    ...sqliteUsers(ctx),
    ...sqliteScores(ctx),
    ...sqliteSaves(ctx),
    ...sqliteLobbies(ctx),
    ...sqliteSweep(ctx),
    ...sqliteRates(ctx),
    close: () => {
      if (!closed) {
        closed = true;
        ctx.close();
        db.close();
      }
      return Promise.resolve();
    },
  };
  return store;
}
