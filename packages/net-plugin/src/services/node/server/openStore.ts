/**
 * Opens the store a `db` setting names: a `postgres://` / `postgresql://` URL selects the
 * PostgreSQL store, anything else is a SQLite file path (created and migrated if missing).
 */
import type { Store } from "../../store/store";
import { openSqliteStore } from "../store/sqlite/sqliteStore";

/** Opens the store for `db`. */
export async function openStore(db: string, nowMs: number = Date.now()): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(db)) {
    throw new Error("The PostgreSQL store is not available in this build; use a SQLite path for --db.");
  }
  return Promise.resolve(openSqliteStore({ path: db, nowMs }));
}
