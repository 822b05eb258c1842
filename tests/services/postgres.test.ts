/**
 * Scale-out on PostgreSQL: two service processes (the CLI, as child processes) share one embedded
 * PostgreSQL database. Accounts, tokens, ranks, saves with version checks and lobbies are the same
 * from both; a push event caused on one process reaches a socket on the other.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPostgres, type TestPostgres } from "@canopy/net-plugin/testing";
import { openEvents } from "./helpers/events";
import { call, guest } from "./helpers/harness";
import { spawnServices, type ServicesProcess } from "./helpers/process";

const dir = mkdtempSync(join(tmpdir(), "canopy-pg-services-"));
let pg: TestPostgres;
let a: ServicesProcess;
let b: ServicesProcess;

beforeAll(async () => {
  pg = await startTestPostgres();
  const db = await pg.createDatabase("services");
  const config = join(dir, "config.json");
  writeFileSync(
    config,
    JSON.stringify({
      tokenSecret: Buffer.alloc(32, 5).toString("base64"),
      scrypt: { N: 1024, r: 8, p: 1 },
      lobbies: { offlineLeaveSeconds: 0.5 },
      // The login bucket is shared by both processes (one per address in the database): room for every test.
      rateLimit: { authPerAddress: { capacity: 1000, refillPerSecond: 100 } },
      leaderboards: [
        {
          id: "kills",
          sort: "desc",
          rule: "best",
          min: 0,
          max: 1000,
          serverOnly: false,
          minIntervalSeconds: 0,
        },
      ],
      logLevel: "warn",
    }),
  );
  [a, b] = await Promise.all([
    spawnServices(["--port", "0", "--db", db, "--config", config]),
    spawnServices(["--port", "0", "--db", db, "--config", config]),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([a?.kill("SIGTERM"), b?.kill("SIGTERM")]);
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe("services on PostgreSQL, two processes", () => {
  it("shares accounts, tokens, ranks, saves and lobbies, and relays pushes", async () => {
    expect((await call(a.url, "health")).body.store).toBe("postgres");
    expect((await call(b.url, "health")).body.store).toBe("postgres");
    const reg = await call(a.url, "register", { body: { username: "erin", password: "password-erin" } });
    expect(reg.status).toBe(201);
    const login = await call(b.url, "login", { body: { username: "erin", password: "password-erin" } });
    expect(login.body.user.id).toBe(reg.body.user.id);
    expect((await call(b.url, "me", { token: reg.body.session.accessToken })).body.username).toBe("erin");
    const refreshed = await call(b.url, "refresh", { body: { refreshToken: reg.body.session.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect(
      (await call(a.url, "refresh", { body: { refreshToken: reg.body.session.refreshToken } })).status,
    ).toBe(401);

    const users = await Promise.all([
      guest(a.url, "U0"),
      guest(b.url, "U1"),
      guest(a.url, "U2"),
      guest(b.url, "U3"),
    ]);
    await Promise.all(
      users.map((u, i) =>
        call(i % 2 === 0 ? b.url : a.url, "setScore", {
          token: u.token,
          params: { board: "kills" },
          body: { score: 10 * (i + 1) },
        }),
      ),
    );
    for (const url of [a.url, b.url]) {
      const top = await call(url, "getGlobalScores", {
        token: users[0].token,
        params: { board: "kills" },
        query: { count: 4 },
      });
      expect(top.body.entries.map((e) => [e.rank, e.user.displayName])).toEqual([
        [1, "U3"],
        [2, "U2"],
        [3, "U1"],
        [4, "U0"],
      ]);
    }

    const u = users[0];
    const first = await call(a.url, "setSave", {
      token: u.token,
      params: { slot: "s" },
      body: { title: "", description: "", attachment: "AA==", replace: true },
    });
    expect(first.body.version).toBe(1);
    const racing = await Promise.all(
      [a.url, b.url, a.url, b.url].map((url, i) =>
        call(url, "setSave", {
          token: u.token,
          params: { slot: "s" },
          body: { title: `${i}`, description: "", attachment: "AQ==", replace: true, expectedVersion: 1 },
        }),
      ),
    );
    expect(racing.filter((r) => r.status === 200)).toHaveLength(1);
    expect(racing.filter((r) => r.error?.code === "version_conflict")).toHaveLength(3);

    const owner = users[1];
    const joiner = users[2];
    const ownerEvents = await openEvents(a.url.replace("http", "ws") + "/v1/events", owner.token);
    try {
      const lobby = await call(b.url, "createLobby", {
        token: owner.token,
        body: { maxParticipants: 4, access: "public", metadata: { mode: "ctf" } },
      });
      const found = await call(a.url, "findMatchingLobbies", {
        token: joiner.token,
        body: { filter: { comparisons: [{ key: "mode", op: "eq", value: "ctf" }] } },
      });
      expect(found.body.lobbies.map((l) => l.id)).toEqual([lobby.body.id]);
      await call(b.url, "joinLobby", { token: joiner.token, params: { lobbyId: lobby.body.id }, body: {} });
      const joined = await ownerEvents.next("lobby.joined");
      expect(joined.user.id).toBe(joiner.id);
      const big = "é".repeat(200);
      const many: Record<string, string> = {};
      for (let i = 0; i < 31; i++) many[`k${i}`] = big;
      const patched = await call(b.url, "setLobbyMetadata", {
        token: owner.token,
        params: { lobbyId: lobby.body.id },
        body: { set: many },
      });
      expect(patched.status).toBe(200);
      const changed = await ownerEvents.next("lobby.changed");
      expect(changed.lobby.metadata["k30"]).toBe(big);
    } finally {
      ownerEvents.close();
    }
  });

  it("keeps a member who reconnects on the other process, removes one who stays away", async () => {
    const owner = await guest(a.url, "Owner");
    const roamer = await guest(a.url, "Roamer");
    const leaver = await guest(a.url, "Leaver");
    const wsUrl = (url: string): string => `${url.replace("http", "ws")}/v1/events`;
    const lobby = await call(a.url, "createLobby", {
      token: owner.token,
      body: { maxParticipants: 4, access: "public" },
    });
    const lobbyId = lobby.body.id;
    for (const u of [roamer, leaver])
      await call(a.url, "joinLobby", { token: u.token, params: { lobbyId }, body: {} });
    const roamerOnA = await openEvents(wsUrl(a.url), roamer.token);
    const leaverOnA = await openEvents(wsUrl(a.url), leaver.token);
    roamerOnA.close();
    leaverOnA.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const roamerOnB = await openEvents(wsUrl(b.url), roamer.token);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const after = await call(b.url, "getLobby", { token: owner.token, params: { lobbyId } });
      expect(after.body.participants.map((p) => p.user.displayName)).toEqual(["Owner", "Roamer"]);
    } finally {
      roamerOnB.close();
    }
  });
});
