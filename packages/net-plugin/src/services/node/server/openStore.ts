/**
 * Opens the store a `db` setting names: a `postgres://` / `postgresql://` URL selects the
 * PostgreSQL store (several service processes may share it), anything else is a SQLite file path
 * (created and migrated if missing; one process owns it).
 */
import type { Store } from "../../store/store";
import { openPostgresStore } from "../store/postgres/pgStore";
import { openSqliteStore } from "../store/sqlite/sqliteStore";

/** Options of {@link openStore} beyond the `db` string. */
export interface OpenStoreOptions {
  /** Time recorded for migrations applied now (ms since epoch; default `Date.now()`). */
  nowMs?: number;
  /** PostgreSQL connections per process (default: the store's). */
  poolSize?: number;
}

/** True when `db` names a PostgreSQL database. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//.test(db);
}

/** Opens the store for `db`. */
export async function openStore(db: string, options: OpenStoreOptions = {}): Promise<Store> {
  const nowMs = options.nowMs ?? Date.now();
  if (isPostgresUrl(db)) {
    return openPostgresStore({
      connectionString: db,
      nowMs,
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    });
  }
  return Promise.resolve(openSqliteStore({ path: db, nowMs }));
}
