/** Migrations: applied in version order, recorded in schema_migrations, idempotent. */
import Database from "better-sqlite3";
import { expect, it } from "vitest";
import type { Migration } from "../../../src/services/node/migrations";
import { MIGRATIONS } from "../../../src/services/node/migrations";
import { migrateSqlite } from "../../../src/services/node/store/migrate";

it("applies pending migrations once, in order, and records them", () => {
  const db = new Database(":memory:");
  const extra: Migration = {
    version: 99,
    name: "extra",
    sqlite: "CREATE TABLE extra (x INTEGER)",
    postgres: "CREATE TABLE extra (x INTEGER)",
  };
  expect(migrateSqlite(db, 1000, MIGRATIONS)).toEqual(MIGRATIONS.map((m) => m.version));
  expect(migrateSqlite(db, 2000, MIGRATIONS)).toEqual([]);
  expect(migrateSqlite(db, 3000, [...MIGRATIONS, extra])).toEqual([99]);
  expect(migrateSqlite(db, 4000, [...MIGRATIONS, extra])).toEqual([]);
  expect(
    db.prepare("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all(),
  ).toEqual([
    ...MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: 1000 })),
    { version: 99, name: "extra", applied_at: 3000 },
  ]);
  db.close();
});

it("leaves nothing behind from a migration that fails", () => {
  const db = new Database(":memory:");
  migrateSqlite(db, 1, MIGRATIONS);
  const broken: Migration = {
    version: 9,
    name: "broken",
    sqlite: "CREATE TABLE half (x); NOT SQL",
    postgres: "",
  };
  expect(() => migrateSqlite(db, 2, [...MIGRATIONS, broken])).toThrow();
  expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all()).toEqual([]);
  expect(db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get()).toEqual({
    v: MIGRATIONS.at(-1)?.version,
  });
  db.close();
});
