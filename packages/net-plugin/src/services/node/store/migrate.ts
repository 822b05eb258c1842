/**
 * Applies the versioned migrations of `../migrations` at start-up, in order, each in its own
 * transaction, recording every applied version in `schema_migrations`. Idempotent: a second run
 * applies nothing. On PostgreSQL an advisory lock keeps processes that start together from racing.
 */
import type Database from "better-sqlite3";
import type pg from "pg";
import { MIGRATIONS, type Migration } from "../migrations";

/** Advisory-lock id for migrations ("canopy" in ASCII). */
const PG_MIGRATION_LOCK = 0x63616e6f7079;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/** Applies pending migrations to a SQLite database; returns the versions applied now. */
export function migrateSqlite(
  db: Database.Database,
  nowMs: number,
  migrations: readonly Migration[] = MIGRATIONS,
): number[] {
  db.exec(CREATE_TABLE);
  const applied = new Set(
    db
      .prepare<[], { version: number }>("SELECT version FROM schema_migrations")
      .all()
      .map((r) => r.version),
  );
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sqlite);
      record.run(m.version, m.name, nowMs);
    })();
    done.push(m.version);
  }
  return done;
}

/** Applies pending migrations to a PostgreSQL database; returns the versions applied now. */
export async function migratePostgres(
  pool: pg.Pool,
  nowMs: number,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const client = await pool.connect();
  const done: number[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [PG_MIGRATION_LOCK]);
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<{ version: number }>("SELECT version FROM schema_migrations");
    const applied = new Set(rows.map((r) => Number(r.version)));
    for (const m of migrations) {
      if (applied.has(m.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query(m.postgres);
        await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
          m.version,
          m.name,
          nowMs,
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
      done.push(m.version);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [PG_MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  return done;
}
