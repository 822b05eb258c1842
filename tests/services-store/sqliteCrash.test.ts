/**
 * Durability of the embedded store: a writer process is killed with SIGKILL in the middle of a
 * stream of group-committed writes; after reopening, every write it had acknowledged is there.
 * Also: a second process cannot open a file another process owns.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { openSqliteStore } from "@canopy/net-plugin/server";

const WRITER = join(import.meta.dirname, "fixtures", "crashWriter.ts");
/** Acknowledged writes to wait for before the kill. */
const ACKS_BEFORE_KILL = 1500;

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("keeps every acknowledged write when the writer process is killed mid-stream", async () => {
  dir = mkdtempSync(join(tmpdir(), "canopy-crash-"));
  const path = join(dir, "services.db");
  const child = spawn(process.execPath, ["--conditions=source", "--import", "tsx", WRITER, path], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let userId = "";
  const scores = new Set<number>();
  const saves = new Set<number>();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  let buffered = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  // The file is owned by the writer while it runs: a second opener is refused with a clear message.
  let checkedLock = false;
  await new Promise<void>((resolve, reject) => {
    child.on("exit", () => reject(new Error(`Writer exited early: ${stderr}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const [word, kind, n] = line.split(" ");
        if (word === "ready") userId = kind ?? "";
        else if (kind === "score") scores.add(Number(n));
        else if (kind === "save") saves.add(Number(n));
      }
      if (!checkedLock && scores.size > 0) {
        checkedLock = true;
        expect(() => openSqliteStore({ path, nowMs: 0 })).toThrow(/another process/);
      }
      if (scores.size + saves.size >= ACKS_BEFORE_KILL) {
        child.kill("SIGKILL");
        resolve();
      }
    });
  });
  await exited;
  const store = openSqliteStore({ path, nowMs: 0 });
  try {
    const entry = await store.getScore("crash", userId);
    // Increment board: the stored total counts every committed submit, at least every acknowledged one.
    expect(entry?.score ?? 0).toBeGreaterThanOrEqual(scores.size);
    const stored = new Set((await store.listSaves(userId)).map((s) => Number(s.slot.slice(1))));
    const lost = [...saves].filter((i) => !stored.has(i));
    expect(lost, "acknowledged saves missing after the crash").toEqual([]);
    expect(saves.size).toBeGreaterThan(100);
  } finally {
    await store.close();
  }
});
