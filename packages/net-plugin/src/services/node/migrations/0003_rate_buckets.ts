/** Migration 3: token buckets shared by every service process (PostgreSQL; SQLite keeps them in memory). */
import type { Migration } from "./migration";

/** Rate buckets by key (e.g. `auth:<address>`). */
export const rateBuckets: Migration = {
  version: 3,
  name: "rate_buckets",
  // One process owns a SQLite file, so its buckets stay in memory; the table keeps the schemas alike.
  sqlite:
    "CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at INTEGER NOT NULL);",
  postgres: `CREATE TABLE rate_buckets (key TEXT PRIMARY KEY, tokens DOUBLE PRECISION NOT NULL, updated_at BIGINT NOT NULL);
CREATE INDEX rate_buckets_updated ON rate_buckets (updated_at);`,
};
