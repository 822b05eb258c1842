/**
 * Two PostgreSQL stores with their own connection pools — what two service processes are — share
 * one database: joins never overfill a lobby, concurrent save writers never both win, and ranks
 * agree from either side and with a brute-force sort.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRng } from "@canopy/core";
import { openPostgresStore, type PostgresStore } from "@canopy/net-plugin/server";
import { startTestPostgres, type TestPostgres } from "@canopy/net-plugin/testing";

let server: TestPostgres | undefined;
let a: PostgresStore | undefined;
let b: PostgresStore | undefined;

beforeAll(async () => {
  server = await startTestPostgres({ durable: false });
  const url = await server.createDatabase("shared");
  // Both open (and migrate) at the same time, as two processes starting together would.
  [a, b] = await Promise.all([
    openPostgresStore({ connectionString: url, nowMs: 0, poolSize: 4 }),
    openPostgresStore({ connectionString: url, nowMs: 0, poolSize: 4 }),
  ]);
}, 60_000);
afterAll(async () => {
  await a?.close();
  await b?.close();
  await server?.stop();
});

const stores = () => {
  if (a === undefined || b === undefined) throw new Error("Stores did not open (see beforeAll).");
  return [a, b] as const;
};

it("lobby joins from two processes never exceed the slots", async () => {
  const [one, two] = stores();
  const users = await Promise.all(
    Array.from({ length: 20 }, (_, i) => one.createUser(`j${i}`, "h", `J${i}`, 0)),
  );
  const lobby = await one.createLobby(
    { ownerId: users[0]?.id ?? "", access: "public", maxParticipants: 6 },
    0,
  );
  const results = await Promise.allSettled(
    users.slice(1).map((u, i) => (i % 2 === 0 ? one : two).joinLobby(lobby.id, u.id, {}, i)),
  );
  expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
  expect((await two.getLobby(lobby.id))?.members).toHaveLength(6);
});

it("save writers in two processes with one expected version: exactly one wins", async () => {
  const [one, two] = stores();
  const user = await one.createUser("saver", "h", "S", 0);
  const write = (i: number) =>
    (i % 2 === 0 ? one : two).setSave(
      user.id,
      "slot",
      { title: `w${i}`, description: "", data: new Uint8Array([i]), replace: true, expectedVersion: 0 },
      i,
    );
  const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => write(i)));
  expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  expect((await two.getSave(user.id, "slot"))?.version).toBe(1);
});

it("scores submitted through both processes rank the same from either side", async () => {
  const [one, two] = stores();
  const seed = 99;
  const rng = createRng(seed);
  await one.defineBoard({ id: "shared", sort: "desc", rule: "best", min: 0, max: 1000, serverOnly: false });
  const users = await Promise.all(
    Array.from({ length: 60 }, (_, i) => two.createUser(`r${i}`, "h", `R${i}`, 0)),
  );
  const best = new Map<string, number>();
  const calls = [];
  for (let k = 0; k < 400; k++) {
    const user = users[rng.int(0, users.length - 1)]?.id ?? "";
    const score = rng.int(0, 1000);
    best.set(user, Math.max(best.get(user) ?? -1, score));
    calls.push((k % 2 === 0 ? one : two).submitScore("shared", user, score, k));
  }
  await Promise.all(calls);
  const expected = [...best.values()].sort((x, y) => y - x);
  const fromOne = await one.getTop("shared", 0, 100);
  const fromTwo = await two.getTop("shared", 0, 100);
  expect(fromOne, `seed ${seed}`).toEqual(fromTwo);
  expect(
    fromOne.map((e) => e.score),
    `seed ${seed}`,
  ).toEqual(expected);
  for (const e of fromOne.slice(0, 20)) expect(await two.getScore("shared", e.userId)).toEqual(e);
  expect(await one.countScores("shared")).toBe(best.size);
});
