/**
 * The services sweep: a lobby whose match started is removed `lobbies.startedTtlSeconds` later, or
 * as soon as its game server stops heartbeating; game servers silent for `gameServers.pruneSeconds`
 * are deleted (a heartbeat then answers 404: re-register). Driven by the harness's wall clock and
 * `server.sweep()`; one test checks the timer runs by itself.
 */
import { afterEach, describe, expect, it } from "vitest";
import { call, guest, SERVER_KEY, startServices, type Harness, type TestUser } from "./helpers/harness";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const register = (base: string, id: string) =>
  call(base, "registerServer", {
    serverKey: SERVER_KEY,
    body: { id, addresses: [`udp://127.0.0.1:${id.length + 40000}`], capacity: 16 },
  });
const heartbeat = (base: string, id: string) =>
  call(base, "heartbeatServer", { serverKey: SERVER_KEY, params: { serverId: id }, body: { players: 2 } });

/** Creates a lobby owned by `a`, `b` joins, and the owner starts it. */
async function startedLobby(base: string, a: TestUser, b: TestUser): Promise<string> {
  const lobby = await call(base, "createLobby", {
    token: a.token,
    body: { maxParticipants: 4, access: "public" },
  });
  await call(base, "joinLobby", { token: b.token, params: { lobbyId: lobby.body.id }, body: {} });
  const started = await call(base, "startMatch", { token: a.token, params: { lobbyId: lobby.body.id } });
  expect(started.status).toBe(200);
  return lobby.body.id;
}

describe("services sweep", () => {
  it("removes started lobbies after their time, keeps open ones and live servers", async () => {
    h = await startServices({
      lobbies: { startedTtlSeconds: 120 },
      gameServers: { timeoutSeconds: 30, pruneSeconds: 300 },
      sweepSeconds: 0,
    });
    const [a, b, c] = [await guest(h.url), await guest(h.url), await guest(h.url)];
    await register(h.url, "eu-1");
    const started = await startedLobby(h.url, a, b);
    const open = await call(h.url, "createLobby", {
      token: c.token,
      body: { maxParticipants: 2, access: "public" },
    });
    // Within the time, with the server heartbeating: nothing goes.
    for (let t = 0; t < 4; t++) {
      h.advance(25_000);
      expect((await heartbeat(h.url, "eu-1")).status).toBe(204);
      expect(await h.server.sweep()).toEqual({ lobbies: [], servers: [] });
    }
    expect((await call(h.url, "getLobby", { token: a.token, params: { lobbyId: started } })).status).toBe(
      200,
    );
    h.advance(25_000);
    await heartbeat(h.url, "eu-1");
    expect(await h.server.sweep()).toEqual({ lobbies: [started], servers: [] });
    expect((await call(h.url, "getLobby", { token: a.token, params: { lobbyId: started } })).status).toBe(
      404,
    );
    expect((await call(h.url, "myLobbies", { token: b.token })).body.lobbies).toEqual([]);
    const stillOpen = await call(h.url, "getLobby", { token: c.token, params: { lobbyId: open.body.id } });
    expect(stillOpen.body.state).toBe("open");
  });

  it("removes a started lobby when its game server goes silent, then prunes the server", async () => {
    h = await startServices({
      lobbies: { startedTtlSeconds: 0 },
      gameServers: { timeoutSeconds: 30, pruneSeconds: 120 },
      sweepSeconds: 0,
    });
    const [a, b] = [await guest(h.url), await guest(h.url)];
    await register(h.url, "eu-1");
    await register(h.url, "eu-2");
    const lobby = await startedLobby(h.url, a, b);
    const onServer = (await call(h.url, "getLobby", { token: a.token, params: { lobbyId: lobby } })).body;
    expect(onServer.state).toBe("started");
    // startedTtlSeconds 0: age alone never removes it.
    h.advance(20_000);
    await heartbeat(h.url, "eu-1");
    await heartbeat(h.url, "eu-2");
    expect((await h.server.sweep()).lobbies).toEqual([]);
    // Both servers go silent past timeoutSeconds: the lobby goes, the servers stay until pruneSeconds.
    h.advance(31_000);
    expect(await h.server.sweep()).toEqual({ lobbies: [lobby], servers: [] });
    h.advance(90_000);
    expect((await h.server.sweep()).servers.sort()).toEqual(["eu-1", "eu-2"]);
    expect((await heartbeat(h.url, "eu-1")).status).toBe(404);
    expect((await register(h.url, "eu-1")).status).toBe(200);
  });

  it("sweeps on its own every sweepSeconds", async () => {
    h = await startServices({ lobbies: { startedTtlSeconds: 1 }, sweepSeconds: 0.05 });
    const [a, b] = [await guest(h.url), await guest(h.url)];
    await register(h.url, "eu-1");
    const lobby = await startedLobby(h.url, a, b);
    h.advance(2_000);
    await heartbeat(h.url, "eu-1");
    const deadline = Date.now() + 5_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      status = (await call(h.url, "getLobby", { token: a.token, params: { lobbyId: lobby } })).status;
    }
    expect(status).toBe(404);
  });
});
