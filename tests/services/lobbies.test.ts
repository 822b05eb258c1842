/**
 * Lobbies and matchmaking end to end: create, search with slots / count / metadata comparisons,
 * access rules (private never listed, friends-only to friends, invitations), join / leave with
 * ownership passing on and empty lobbies removed, owner-only metadata and kicks, pushed lobby
 * events, and starting a match on a registered game server with a connect token per participant
 * that the game server can open with the shared key.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openPrivateConnectToken, readConnectToken } from "@canopy/net-plugin";
import { clientIdOf } from "@canopy/net-plugin/server";
import { openEvents } from "./helpers/events";
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
beforeEach(async () => {
  h = await startServices({
    gameServers: { connectTokenKey: Buffer.alloc(32, 9).toString("base64"), protocolId: 77 },
  });
});
afterEach(async () => {
  await h.close();
});

const create = (u: TestUser, body: Record<string, unknown>) =>
  call(h.url, "createLobby", { token: u.token, body });
const search = (u: TestUser, filter: Record<string, unknown>) =>
  call(h.url, "findMatchingLobbies", { token: u.token, body: { filter } });

describe("services lobbies", () => {
  it("finds lobbies by slots, count and metadata comparisons", async () => {
    const owner = await guest(h.url);
    const seeker = await guest(h.url);
    const a = await create(owner, {
      maxParticipants: 4,
      access: "public",
      metadata: { mode: "ctf", level: 5 },
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      ownerId: owner.id,
      access: "public",
      state: "open",
      participants: [{ user: { id: owner.id } }],
    });
    const b = await create(owner, {
      maxParticipants: 2,
      access: "public",
      metadata: { mode: "dm", level: 9 },
    });
    await create(owner, { maxParticipants: 1, access: "public", metadata: { mode: "ctf", level: 1 } });
    const ctf = await search(seeker, { comparisons: [{ key: "mode", op: "eq", value: "ctf" }] });
    expect(ctf.body.lobbies.map((l) => l.id)).toEqual([a.body.id]);
    const high = await search(seeker, { comparisons: [{ key: "level", op: "ge", value: 5 }] });
    expect(high.body.lobbies.map((l) => l.id).sort()).toEqual([a.body.id, b.body.id].sort());
    const roomy = await search(seeker, { slots: 2 });
    expect(roomy.body.lobbies.map((l) => l.id)).toEqual([a.body.id]);
    expect((await search(seeker, { count: 1 })).body.lobbies).toHaveLength(1);
    const bad = await search(seeker, { comparisons: [{ key: "mode", op: "like", value: "c" }] });
    expect(bad.status).toBe(400);
    expect(bad.error?.field).toContain("filter.comparisons");
  });

  it("never lists private lobbies, shows friends-only ones to friends, lets invitees in", async () => {
    const owner = await guest(h.url, "Owner");
    const friend = await guest(h.url);
    const stranger = await guest(h.url);
    await befriend(h.url, owner, friend);
    const priv = await create(owner, { maxParticipants: 4, access: "private", metadata: { tag: "p" } });
    const fr = await create(owner, { maxParticipants: 4, access: "friends", metadata: { tag: "f" } });
    const ids = async (u: TestUser) => (await search(u, { count: 50 })).body.lobbies.map((l) => l.id);
    expect(await ids(stranger)).toEqual([]);
    expect(await ids(friend)).toEqual([fr.body.id]);
    expect(
      (await call(h.url, "getLobby", { token: stranger.token, params: { lobbyId: priv.body.id } })).status,
    ).toBe(404);
    expect(
      (await call(h.url, "getLobby", { token: stranger.token, params: { lobbyId: fr.body.id } })).status,
    ).toBe(404);
    expect(
      (await call(h.url, "joinLobby", { token: stranger.token, params: { lobbyId: priv.body.id }, body: {} }))
        .status,
    ).toBe(404);
    expect(
      (await call(h.url, "joinLobby", { token: stranger.token, params: { lobbyId: fr.body.id }, body: {} }))
        .status,
    ).toBe(404);
    const events = await openEvents(h.server.eventsUrl, stranger.token);
    try {
      const inv = await call(h.url, "inviteToLobby", {
        token: owner.token,
        params: { lobbyId: priv.body.id },
        body: { userId: stranger.id },
      });
      expect(inv.status).toBe(204);
      const invited = await events.next("lobby.invited");
      expect(invited.lobby.id).toBe(priv.body.id);
      expect(invited.from).toEqual({ id: owner.id, displayName: "Owner" });
      expect(
        (await call(h.url, "myInvites", { token: stranger.token })).body.lobbies.map((l) => l.id),
      ).toEqual([priv.body.id]);
      const joined = await call(h.url, "joinLobby", {
        token: stranger.token,
        params: { lobbyId: priv.body.id },
        body: { metadata: { team: "red" } },
      });
      expect(joined.status).toBe(200);
      expect(joined.body.participants.find((p) => p.user.id === stranger.id)?.metadata).toEqual({
        team: "red",
      });
      expect(await ids(stranger)).toEqual([]);
    } finally {
      events.close();
    }
  });

  it("joins, pushes changes, passes ownership on, removes empty lobbies, refuses full ones", async () => {
    const a = await guest(h.url, "A");
    const b = await guest(h.url, "B");
    const c = await guest(h.url, "C");
    const lobby = await create(a, { maxParticipants: 2, access: "public" });
    const lobbyId = lobby.body.id;
    const aEvents = await openEvents(h.server.eventsUrl, a.token);
    const bEvents = await openEvents(h.server.eventsUrl, b.token);
    try {
      await call(h.url, "joinLobby", { token: b.token, params: { lobbyId }, body: {} });
      expect((await aEvents.next("lobby.joined")).user).toEqual({ id: b.id, displayName: "B" });
      const full = await call(h.url, "joinLobby", { token: c.token, params: { lobbyId }, body: {} });
      expect(full.error?.code).toBe("lobby_full");
      const meta = await call(h.url, "setParticipantMetadata", {
        token: b.token,
        params: { lobbyId },
        body: { set: { ready: 1 } },
      });
      expect(meta.status).toBe(200);
      expect((await aEvents.next("lobby.changed")).lobby.participants[1]?.metadata).toEqual({ ready: 1 });
      expect((await bEvents.next("lobby.changed")).lobby.participants[1]?.metadata).toEqual({ ready: 1 });
      const notOwner = await call(h.url, "setLobbyMetadata", {
        token: b.token,
        params: { lobbyId },
        body: { set: { map: "x" } },
      });
      expect(notOwner.status).toBe(403);
      const owned = await call(h.url, "setLobbyMetadata", {
        token: a.token,
        params: { lobbyId },
        body: { set: { map: "dust" } },
      });
      expect(owned.body.metadata).toEqual({ map: "dust" });
      expect((await bEvents.next("lobby.changed")).lobby.metadata).toEqual({ map: "dust" });
      const many = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, i]));
      const tooMany = await call(h.url, "setLobbyMetadata", {
        token: a.token,
        params: { lobbyId },
        body: { set: many },
      });
      expect(tooMany.error, JSON.stringify(tooMany)).toMatchObject({ field: "body.set" });
      const swapped = await call(h.url, "setLobbyMetadata", {
        token: a.token,
        params: { lobbyId },
        body: { set: many, remove: ["map"] },
      });
      expect(Object.keys(swapped.body.metadata)).toHaveLength(32);
      await bEvents.next("lobby.changed");
      expect((await call(h.url, "leaveLobby", { token: a.token, params: { lobbyId } })).status).toBe(204);
      const left = await bEvents.next("lobby.left");
      expect(left).toMatchObject({ userId: a.id, lobby: { ownerId: b.id } });
      expect((await call(h.url, "getLobby", { token: b.token, params: { lobbyId } })).body.ownerId).toBe(
        b.id,
      );
      expect((await call(h.url, "myLobbies", { token: b.token })).body.lobbies.map((l) => l.id)).toEqual([
        lobbyId,
      ]);
      await call(h.url, "leaveLobby", { token: b.token, params: { lobbyId } });
      expect((await call(h.url, "getLobby", { token: c.token, params: { lobbyId } })).status).toBe(404);
    } finally {
      aEvents.close();
      bEvents.close();
    }
  });

  it("lets only the owner kick, and tells the kicked user", async () => {
    const a = await guest(h.url);
    const b = await guest(h.url);
    const c = await guest(h.url);
    const { body } = await create(a, { maxParticipants: 4, access: "public" });
    await call(h.url, "joinLobby", { token: b.token, params: { lobbyId: body.id }, body: {} });
    await call(h.url, "joinLobby", { token: c.token, params: { lobbyId: body.id }, body: {} });
    const events = await openEvents(h.server.eventsUrl, c.token);
    try {
      expect(
        (
          await call(h.url, "kickFromLobby", {
            token: b.token,
            params: { lobbyId: body.id },
            body: { userId: c.id },
          })
        ).status,
      ).toBe(403);
      const kicked = await call(h.url, "kickFromLobby", {
        token: a.token,
        params: { lobbyId: body.id },
        body: { userId: c.id },
      });
      expect(kicked.body.participants.map((p) => p.user.id)).toEqual([a.id, b.id]);
      expect(await events.next("lobby.kicked")).toMatchObject({ lobbyId: body.id, by: a.id });
      expect((await call(h.url, "leaveLobby", { token: c.token, params: { lobbyId: body.id } })).status).toBe(
        403,
      );
    } finally {
      events.close();
    }
  });

  it("starts a match on a live game server and hands each participant a connect token", async () => {
    const a = await guest(h.url);
    const b = await guest(h.url);
    const { body } = await create(a, { maxParticipants: 4, access: "public" });
    await call(h.url, "joinLobby", { token: b.token, params: { lobbyId: body.id }, body: {} });
    const none = await call(h.url, "startMatch", { token: a.token, params: { lobbyId: body.id } });
    expect(none.status).toBe(503);
    expect(none.error?.code).toBe("no_server");
    const reg = await call(h.url, "registerServer", {
      serverKey: SERVER_KEY,
      body: { id: "eu-1", addresses: ["udp://127.0.0.1:40000"], capacity: 16 },
    });
    expect(reg.body).toMatchObject({ server: { id: "eu-1", players: 0 }, heartbeatSeconds: 10 });
    expect(
      (await call(h.url, "registerServer", { body: { id: "x", addresses: ["a"], capacity: 1 } })).status,
    ).toBe(401);
    expect(
      (
        await call(h.url, "heartbeatServer", {
          serverKey: SERVER_KEY,
          params: { serverId: "eu-1" },
          body: { players: 0 },
        })
      ).status,
    ).toBe(204);
    const bEvents = await openEvents(h.server.eventsUrl, b.token);
    try {
      expect((await call(h.url, "startMatch", { token: b.token, params: { lobbyId: body.id } })).status).toBe(
        403,
      );
      const started = await call(h.url, "startMatch", { token: a.token, params: { lobbyId: body.id } });
      expect(started.status).toBe(200);
      expect(started.body.server.id).toBe("eu-1");
      const pushed = await bEvents.next("lobby.started");
      expect(pushed.lobbyId).toBe(body.id);
      for (const [user, wire] of [
        [a, started.body.connectToken],
        [b, pushed.connectToken],
      ] as const) {
        expect(wire.serverAddresses).toEqual(["udp://127.0.0.1:40000"]);
        expect(wire.clientId).toBe(clientIdOf(user.id).toString());
        const token = readConnectToken(new Uint8Array(Buffer.from(wire.token, "base64")));
        expect(token).toBeDefined();
        const opened = openPrivateConnectToken(
          token!.privateToken,
          token!.nonce,
          77n,
          token!.expiresAt,
          h.server.connectTokenKey,
        );
        expect(opened?.clientId).toBe(clientIdOf(user.id));
        expect(Buffer.from(opened!.userData).toString()).toBe(user.id);
      }
      expect(started.body.connectToken.token).not.toBe(pushed.connectToken.token);
      expect(
        (await call(h.url, "startMatch", { token: a.token, params: { lobbyId: body.id } })).error?.code,
      ).toBe("lobby_started");
      const c = await guest(h.url);
      expect(
        (await call(h.url, "joinLobby", { token: c.token, params: { lobbyId: body.id }, body: {} })).error
          ?.code,
      ).toBe("lobby_started");
    } finally {
      bEvents.close();
    }
  });

  it("skips game servers whose heartbeat is too old", async () => {
    const a = await guest(h.url);
    const { body } = await create(a, { maxParticipants: 2, access: "private" });
    await call(h.url, "registerServer", {
      serverKey: SERVER_KEY,
      body: { id: "old", addresses: ["udp://127.0.0.1:1"], capacity: 8 },
    });
    h.advance(31_000);
    const fresh = await guest(h.url);
    const late = await call(h.url, "startMatch", { token: fresh.token, params: { lobbyId: body.id } });
    expect(late.status).toBe(404);
    const a2 = await call(h.url, "refresh", { body: { refreshToken: a.refreshToken } });
    const stale = await call(h.url, "startMatch", {
      token: a2.body.session.accessToken,
      params: { lobbyId: body.id },
    });
    expect(stale.error?.code).toBe("no_server");
    expect(
      (
        await call(h.url, "heartbeatServer", {
          serverKey: SERVER_KEY,
          params: { serverId: "nope" },
          body: { players: 0 },
        })
      ).status,
    ).toBe(404);
  });

  it("removes members whose push socket stays closed past the grace time, keeps those who come back", async () => {
    await h.close();
    h = await startServices({ lobbies: { offlineLeaveSeconds: 0.3 } });
    const a = await guest(h.url, "A");
    const b = await guest(h.url, "B");
    const c = await guest(h.url, "C");
    const { body } = await create(a, { maxParticipants: 4, access: "public" });
    const lobbyId = body.id;
    const aEvents = await openEvents(h.server.eventsUrl, a.token);
    try {
      for (const u of [b, c])
        await call(h.url, "joinLobby", { token: u.token, params: { lobbyId }, body: {} });
      const bEvents = await openEvents(h.server.eventsUrl, b.token);
      const cEvents = await openEvents(h.server.eventsUrl, c.token);
      bEvents.close();
      cEvents.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      const cBack = await openEvents(h.server.eventsUrl, c.token);
      const left = await aEvents.next("lobby.left", 5000);
      expect(left.userId).toBe(b.id);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const now = await call(h.url, "getLobby", { token: a.token, params: { lobbyId } });
      expect(now.body.participants.map((p) => p.user.displayName)).toEqual(["A", "C"]);
      cBack.close();
    } finally {
      aEvents.close();
    }
  });
});
