/**
 * Durability under a crash, SQLite: the services CLI is SIGKILLed in the middle of a stream of
 * acknowledged score and save writes; a new process on the same file still has every one of them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, it } from "vitest";
import { crashAndRecover } from "./helpers/crash";
import type { ServicesProcess } from "./helpers/process";

const dir = mkdtempSync(join(tmpdir(), "canopy-crash-"));
let running: ServicesProcess | undefined;
afterAll(async () => {
  await running?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("services crash durability (SQLite)", () => {
  it("keeps every acknowledged write across a SIGKILL", async () => {
    await crashAndRecover(dir, join(dir, "crash.db"), (p) => (running = p));
  });
});
