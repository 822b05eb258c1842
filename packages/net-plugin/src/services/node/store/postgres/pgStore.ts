/**
 * The PostgreSQL store: several service processes share one database. All state lives in the
 * database (no in-process caches), joins and version checks take row locks, score submits are
 * group-committed per process (`pgScoreBatch.ts`) and ranks come from bucket counts kept in the
 * same transactions (`pgRanks.ts`). Durability is PostgreSQL's: a commit returns after its WAL
 * flush (keep `synchronous_commit = on`, the default).
 */
import pg from "pg";
import type { Store } from "../../../store/store";
import { migratePostgres } from "../migrate";
import { PgContext } from "./pgContext";
import { pgLobbies } from "./pgLobbies";
import { pgSaves } from "./pgSaves";
import { ScoreBatcher } from "./pgScoreBatch";
import { pgScores } from "./pgScores";
import { pgUsers } from "./pgUsers";
import { pgSweep } from "./pgSweep";
import { pgRates } from "./pgRates";

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`. */
  connectionString: string;
  /** Schema holding the tables (default: the server's `search_path`, normally `public`); created if missing. */
  schema?: string;
  /** Pool size per process (default 10; the database's `max_connections` caps the sum). */
  poolSize?: number;
  /** Time recorded for migrations applied now (ms since epoch). */
  nowMs: number;
}

/** A PostgreSQL store with its group-commit counters. */
export interface PostgresStore extends Store {
  readonly kind: "postgres";
  /** Committed score batches and the submits in them. */
  readonly commitStats: { readonly batches: number; readonly writes: number };
}

/** Default connections per process. */
const DEFAULT_POOL_SIZE = 10;

/** Connects, migrates (under an advisory lock, so processes may start together) and returns the store. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`PostgreSQL schema "${schema}" must match [a-z_][a-z0-9_]* (≤ 63 characters).`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client's connection error must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  try {
    if (schema !== undefined) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await migratePostgres(pool, options.nowMs);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const ctx = new PgContext(pool);
  const batcher = new ScoreBatcher(ctx);
  return {
    kind: "postgres",
    commitStats: batcher.stats,
    ...pgUsers(ctx),
    ...pgScores(ctx, batcher),
    ...pgSaves(ctx),
    ...pgLobbies(ctx),
    ...pgSweep(ctx),
    ...pgRates(ctx),
    close: async () => {
      if (ctx.closed) return;
      await batcher.idle();
      ctx.closed = true;
      await pool.end();
    },
  };
}
