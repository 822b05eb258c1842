/**
 * Leaderboards end to end: update rules (best / latest / increment), sort orders, 1-based ranks
 * with paging, around-me, friends' scores, bounds (400), server-only boards (403 for players, open
 * to the server key), the per-user submit interval (429) and unknown boards (404).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  befriend,
  call,
  guest,
  SERVER_KEY,
  startServices,
  type Harness,
  type TestUser,
} from "./helpers/harness";

let h: Harness;
beforeAll(async () => {
  h = await startServices();
});
afterAll(async () => {
  await h.close();
});

const submit = (u: TestUser, board: string, score: number) =>
  call(h.url, "setScore", { token: u.token, params: { board }, body: { score } });

describe("services leaderboards", () => {
  it("keeps the best, the latest or the sum", async () => {
    const u = await guest(h.url);
    expect((await submit(u, "kills", 10)).body).toMatchObject({
      changed: true,
      entry: { score: 10, rank: 1 },
    });
    expect((await submit(u, "kills", 5)).body).toMatchObject({ changed: false, entry: { score: 10 } });
    expect((await submit(u, "kills", 12)).body.entry.score).toBe(12);
    await submit(u, "latest", 50);
    expect((await submit(u, "latest", -3)).body.entry.score).toBe(-3);
    await submit(u, "coins", 7);
    expect((await submit(u, "coins", 8)).body.entry.score).toBe(15);
    expect((await submit(u, "laptime", 9000)).body.entry.score).toBe(9000);
    expect((await submit(u, "laptime", 8000)).body.entry.score).toBe(8000);
    expect((await submit(u, "laptime", 9500)).body.entry.score).toBe(8000);
    const mine = await call(h.url, "getMyScore", { token: u.token, params: { board: "kills" } });
    expect(mine.body.entry?.score).toBe(12);
  });

  it("ranks globally with paging, around the caller and among friends", async () => {
    const users: TestUser[] = [];
    for (let i = 0; i < 8; i++) users.push(await guest(h.url, `P${i}`));
    for (let i = 0; i < users.length; i++) await submit(users[i]!, "laptime", 1000 + i * 100);
    const top = await call(h.url, "getGlobalScores", {
      token: users[0]!.token,
      params: { board: "laptime" },
      query: { from: 0, count: 3 },
    });
    expect(top.body.entries.map((e) => [e.rank, e.user.displayName, e.score])).toEqual([
      [1, "P0", 1000],
      [2, "P1", 1100],
      [3, "P2", 1200],
    ]);
    const page = await call(h.url, "getGlobalScores", {
      token: users[0]!.token,
      params: { board: "laptime" },
      query: { from: 3, count: 2 },
    });
    expect(page.body.entries.map((e) => e.rank)).toEqual([4, 5]);
    expect(page.body.total).toBeGreaterThanOrEqual(8);
    const around = await call(h.url, "getScoresAroundMe", {
      token: users[4]!.token,
      params: { board: "laptime" },
      query: { count: 3 },
    });
    expect(around.body.entries.map((e) => e.user.displayName)).toEqual(["P3", "P4", "P5"]);
    await befriend(h.url, users[7]!, users[2]!);
    await befriend(h.url, users[7]!, users[5]!);
    const friends = await call(h.url, "getFriendScores", {
      token: users[7]!.token,
      params: { board: "laptime" },
    });
    expect(friends.body.entries.map((e) => [e.user.displayName, e.rank])).toEqual([
      ["P2", 3],
      ["P5", 6],
      ["P7", 8],
    ]);
    const nobody = await guest(h.url);
    expect(
      (await call(h.url, "getScoresAroundMe", { token: nobody.token, params: { board: "laptime" } })).body
        .entries,
    ).toEqual([]);
  });

  it("validates scores: bounds, integers, unknown boards", async () => {
    const u = await guest(h.url);
    const high = await submit(u, "kills", 1_000_001);
    expect(high.status).toBe(400);
    expect(high.error?.field).toBe("body.score");
    expect((await submit(u, "kills", 1.5)).error?.field).toBe("body.score");
    expect((await submit(u, "laptime", 0)).status).toBe(400);
    expect((await submit(u, "nope", 1)).status).toBe(404);
  });

  it("lets only game servers write server-only boards", async () => {
    const u = await guest(h.url);
    const refused = await submit(u, "ranked", 100);
    expect(refused.status).toBe(403);
    expect(refused.error?.code).toBe("forbidden");
    const noKey = await call(h.url, "serverSetScore", {
      params: { board: "ranked" },
      body: { userId: u.id, score: 100 },
    });
    expect(noKey.status).toBe(401);
    const wrongKey = await call(h.url, "serverSetScore", {
      serverKey: "not-the-key-at-all-000",
      params: { board: "ranked" },
      body: { userId: u.id, score: 100 },
    });
    expect(wrongKey.status).toBe(401);
    const ok = await call(h.url, "serverSetScore", {
      serverKey: SERVER_KEY,
      params: { board: "ranked" },
      body: { userId: u.id, score: 100 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.entry).toMatchObject({ score: 100, user: { id: u.id } });
  });

  it("limits submits per user and board to the configured interval", async () => {
    const u = await guest(h.url);
    const other = await guest(h.url);
    expect((await submit(u, "daily", 10)).status).toBe(200);
    const again = await submit(u, "daily", 20);
    expect(again.status).toBe(429);
    expect(again.error?.code).toBe("rate_limited");
    expect((await submit(other, "daily", 5)).status).toBe(200);
    h.clock.advance(61);
    h.advance(61_000);
    expect((await submit(u, "daily", 20)).body.entry.score).toBe(20);
  });
});
