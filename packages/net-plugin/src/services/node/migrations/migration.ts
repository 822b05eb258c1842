/**
 * A versioned schema migration. Migrations are TS modules exporting SQL strings (not .sql files)
 * so they ship inside any build and need no file lookup at run time. Each gives the same logical
 * schema in both dialects; `version` orders them and is recorded in `schema_migrations`.
 */
export interface Migration {
  version: number;
  name: string;
  /** Statements for SQLite (run with `exec`, so several per string are fine). */
  sqlite: string;
  /** Statements for PostgreSQL (run as one multi-statement query inside a transaction). */
  postgres: string;
}
