/**
 * Group commit of the SQLite store: writes issued in one event-loop turn share one transaction,
 * one refused write does not undo its batch-mates, and all of them are durable once resolved.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { openSqliteStore } from "../../../src/services/node/store/sqlite/sqliteStore";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("commits writes issued in one turn as one batch and isolates a refused one", async () => {
  dir = mkdtempSync(join(tmpdir(), "canopy-group-"));
  const path = join(dir, "s.db");
  const store = openSqliteStore({ path, nowMs: 0 });
  const before = { ...store.commitStats };
  const results = await Promise.allSettled([
    store.createUser("ann", "h", "Ann", 1),
    store.createUser("ANN", "h", "dup", 2), // refused: username taken within the same batch
    store.createUser("ben", "h", "Ben", 3),
    ...Array.from({ length: 97 }, (_, i) =>
      store.createGuest(`device-${String(i).padStart(16, "0")}`, "G", i),
    ),
  ]);
  expect(store.commitStats.batches - before.batches).toBe(1);
  expect(store.commitStats.writes - before.writes).toBe(100);
  expect(results.map((r) => r.status).filter((s) => s === "rejected")).toHaveLength(1);
  expect(results[1]).toMatchObject({ status: "rejected", reason: { reason: "username_taken" } });
  await store.close();

  const reopened = openSqliteStore({ path, nowMs: 0 });
  expect((await reopened.findUserByUsername("ann"))?.displayName).toBe("Ann");
  expect((await reopened.findUserByUsername("ben"))?.displayName).toBe("Ben");
  expect(await reopened.findUserByDevice(`device-${String(96).padStart(16, "0")}`)).toBeDefined();
  await reopened.close();
});

it("keeps the rank index equal to the rows when a submit in a batch is refused", async () => {
  dir = mkdtempSync(join(tmpdir(), "canopy-group-"));
  const path = join(dir, "s.db");
  const store = openSqliteStore({ path, nowMs: 0 });
  const users = await Promise.all([0, 1, 2].map((i) => store.createUser(`u${i}`, "h", `U${i}`, i)));
  await store.defineBoard({ id: "b", sort: "desc", rule: "best", min: 0, max: 100, serverOnly: false });
  const ids = users.map((u) => u.id);
  await Promise.allSettled([
    store.submitScore("b", ids[0] ?? "", 50, 1),
    store.submitScore("b", ids[1] ?? "", 500, 1), // out of bounds: refused
    store.submitScore("b", ids[2] ?? "", 70, 1),
  ]);
  const live = await store.getTop("b", 0, 10);
  await store.close();
  const reopened = openSqliteStore({ path, nowMs: 0 });
  expect(await reopened.getTop("b", 0, 10)).toEqual(live);
  expect(live.map((e) => e.score)).toEqual([70, 50]);
  await reopened.close();
});

it("splits a flood of writes into bounded batches and loses none", async () => {
  dir = mkdtempSync(join(tmpdir(), "canopy-group-"));
  const path = join(dir, "s.db");
  const store = openSqliteStore({ path, nowMs: 0 });
  const user = await store.createUser("flood", "h", "F", 0);
  const before = store.commitStats.batches;
  const writes = Array.from({ length: 10_000 }, (_, i) =>
    store.createSession(`s${i}`, user.id, 1_000_000, i),
  );
  // Closing with writes still queued commits them first.
  const closing = store.close();
  await Promise.all(writes);
  await closing;
  expect(store.commitStats.batches - before).toBeGreaterThanOrEqual(3);
  const reopened = openSqliteStore({ path, nowMs: 0 });
  expect(await reopened.getSession("s9999")).toMatchObject({ userId: user.id });
  expect(await reopened.revokeUserSessions(user.id)).toBe(10_000);
  await reopened.close();
});
