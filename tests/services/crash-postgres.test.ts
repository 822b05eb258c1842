/**
 * Durability under a crash, PostgreSQL (durable embedded server, fsync on): the services CLI is
 * SIGKILLed in the middle of a stream of acknowledged score and save writes (scores are
 * group-committed in this store); a new process on the same database still has every one of them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "@canopy/net-plugin/testing";
import { crashAndRecover } from "./helpers/crash";
import type { ServicesProcess } from "./helpers/process";

const dir = mkdtempSync(join(tmpdir(), "canopy-crash-pg-"));
let pg: TestPostgres;
let running: ServicesProcess | undefined;
beforeAll(async () => {
  pg = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await running?.kill("SIGKILL");
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("services crash durability (PostgreSQL)", () => {
  it("keeps every acknowledged write across a SIGKILL", async () => {
    await crashAndRecover(dir, await pg.createDatabase("crash"), (p) => (running = p));
  });
});
