/**
 * What the PostgreSQL domain modules share: the pool, one-statement queries and transactions that
 * retry on serialization failures and deadlocks (PostgreSQL aborts one side; running it again is
 * the documented remedy). Every statement is parameterized.
 */
import type pg from "pg";
import type { Row } from "../rows";

/** SQLSTATEs worth one more try: serialization_failure, deadlock_detected. */
const RETRYABLE = new Set(["40001", "40P01"]);
/** Attempts of a transaction before its error is passed on. */
const MAX_ATTEMPTS = 5;
/** SQLSTATE of unique_violation. */
export const UNIQUE_VIOLATION = "23505";

/** The SQLSTATE of a pg error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/** Query helper over a pool or a transaction's client. */
export type Query = (sql: string, params?: unknown[]) => Promise<Row[]>;

/** Shared state of one PostgreSQL store. */
export class PgContext {
  closed = false;

  constructor(readonly pool: pg.Pool) {}

  /** Runs one statement outside any transaction and returns its rows. */
  readonly q: Query = async (sql, params = []) => {
    this.checkOpen();
    return (await this.pool.query<Row>(sql, params)).rows;
  };

  /** Runs `fn` in a transaction (READ COMMITTED + the row locks `fn` takes), retrying aborts. */
  async tx<T>(fn: (q: Query, client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.checkOpen();
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      const q: Query = async (sql, params = []) => (await client.query<Row>(sql, params)).rows;
      try {
        await client.query("BEGIN");
        const result = await fn(q, client);
        await client.query("COMMIT");
        client.release();
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        client.release();
        if (attempt >= MAX_ATTEMPTS || !RETRYABLE.has(sqlState(error) ?? "")) throw error;
      }
    }
  }

  /** Runs several reads on one consistent snapshot (REPEATABLE READ, read only). */
  async snapshot<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    this.checkOpen();
    const client = await this.pool.connect();
    const q: Query = async (sql, params = []) => (await client.query<Row>(sql, params)).rows;
    try {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const result = await fn(q);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new Error("Store is closed: open a new one.");
  }
}
