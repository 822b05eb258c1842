/** Store contract: lobbies, invitations, search and game servers. */
import { expect, it } from "vitest";
import { NotFoundError } from "../../../src/services/store/errors";
import { makeUsers, type ContractContext } from "./contract";

/** Lobbies and game servers. */
export function lobbyContract(t: ContractContext): void {
  it("creates, joins, patches metadata, passes ownership on and deletes empty lobbies", async () => {
    const [a, b, c] = (await makeUsers(t.store, 3)) as [string, string, string];
    const lobby = await t.store.createLobby(
      {
        ownerId: a,
        access: "public",
        maxParticipants: 2,
        metadata: { mode: "ctf" },
        ownerMetadata: { team: 1 },
      },
      100,
    );
    expect(lobby).toMatchObject({
      ownerId: a,
      access: "public",
      maxParticipants: 2,
      metadata: { mode: "ctf" },
      state: "open",
    });
    expect(lobby.members).toEqual([
      { userId: a, displayName: "user 0", metadata: { team: 1 }, joinedAtMs: 100 },
    ]);
    const joined = await t.store.joinLobby(lobby.id, b, { team: 2 }, 101);
    expect(joined.members.map((m) => m.userId)).toEqual([a, b]);
    expect(await t.store.joinLobby(lobby.id, b, undefined, 102)).toEqual(joined);
    await expect(t.store.joinLobby(lobby.id, c, undefined, 103)).rejects.toMatchObject({
      reason: "lobby_full",
    });
    await expect(t.store.joinLobby("nope", c, undefined, 103)).rejects.toBeInstanceOf(NotFoundError);
    const patched = await t.store.updateLobbyMetadata(lobby.id, {
      set: { map: "dust", level: 3 },
      remove: ["mode"],
    });
    expect(patched.metadata).toEqual({ map: "dust", level: 3 });
    const member = await t.store.updateMemberMetadata(lobby.id, b, { set: { ready: 1 }, remove: ["team"] });
    expect(member.members[1]?.metadata).toEqual({ ready: 1 });
    await expect(t.store.updateMemberMetadata(lobby.id, c, { set: { x: 1 } })).rejects.toMatchObject({
      what: "member",
    });
    expect((await t.store.listLobbiesOf(b)).map((l) => l.id)).toEqual([lobby.id]);
    const left = await t.store.leaveLobby(lobby.id, a);
    expect(left.newOwnerId).toBe(b);
    expect(left.lobby?.ownerId).toBe(b);
    expect(left.lobby?.members.map((m) => m.userId)).toEqual([b]);
    await expect(t.store.leaveLobby(lobby.id, a)).rejects.toMatchObject({ what: "member" });
    expect(await t.store.leaveLobby(lobby.id, b)).toEqual({});
    expect(await t.store.getLobby(lobby.id)).toBeUndefined();
    const other = await t.store.createLobby({ ownerId: c, access: "private", maxParticipants: 4 }, 200);
    expect(await t.store.deleteLobby(other.id)).toBe(true);
    expect(await t.store.deleteLobby(other.id)).toBe(false);
  });

  it("parallel joins never exceed the slots", async () => {
    const users = await makeUsers(t.store, 13);
    const lobby = await t.store.createLobby(
      { ownerId: users[0] as string, access: "public", maxParticipants: 5 },
      1,
    );
    const results = await Promise.allSettled(
      users.slice(1).map((u, i) => t.store.joinLobby(lobby.id, u, {}, 10 + i)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(4);
    for (const r of results)
      if (r.status === "rejected") expect(r.reason).toMatchObject({ reason: "lobby_full" });
    expect((await t.store.getLobby(lobby.id))?.members).toHaveLength(5);
    // Still consistent for searches: no free slot left.
    expect(await t.store.findLobbies(users[12] as string, {})).toEqual([]);
  });

  it("finds lobbies by access, friendship, slots, metadata comparisons and count", async () => {
    const [owner, friend, stranger, x] = (await makeUsers(t.store, 4)) as [string, string, string, string];
    await t.store.requestFriend(owner, friend, 1);
    await t.store.acceptFriend(friend, owner, 2);
    const mk = (
      access: "public" | "private" | "friends",
      max: number,
      metadata: Record<string, string | number>,
      at: number,
    ) => t.store.createLobby({ ownerId: owner, access, maxParticipants: max, metadata }, at);
    const pub = await mk("public", 4, { mode: "ctf", level: 5 }, 10);
    const priv = await mk("private", 4, { mode: "ctf", level: 5 }, 11);
    const fr = await mk("friends", 4, { mode: "ctf", level: 7 }, 12);
    const small = await mk("public", 2, { mode: "dm", level: 1 }, 13);
    const started = await mk("public", 4, { mode: "ctf", level: 5 }, 14);
    await t.store.startLobby(started.id, "srv", 15);
    const ids = async (viewer: string, filter: Parameters<typeof t.store.findLobbies>[1]) =>
      (await t.store.findLobbies(viewer, filter)).map((l) => l.id);
    expect(await ids(stranger, {})).toEqual([pub.id, small.id]);
    expect(await ids(friend, {})).toEqual([pub.id, fr.id, small.id]);
    expect(await ids(owner, {})).toEqual([]);
    expect(await ids(friend, { slots: 2 })).toEqual([pub.id, fr.id]);
    expect(await ids(friend, { comparisons: [{ key: "mode", op: "eq", value: "ctf" }] })).toEqual([
      pub.id,
      fr.id,
    ]);
    expect(await ids(friend, { comparisons: [{ key: "level", op: "gt", value: 5 }] })).toEqual([fr.id]);
    expect(
      await ids(friend, {
        comparisons: [
          { key: "level", op: "le", value: 5 },
          { key: "mode", op: "ne", value: "ctf" },
        ],
      }),
    ).toEqual([small.id]);
    expect(await ids(friend, { comparisons: [{ key: "level", op: "eq", value: "5" }] })).toEqual([]);
    expect(await ids(friend, { comparisons: [{ key: "missing", op: "lt", value: 1 }] })).toEqual([]);
    expect(await ids(friend, { count: 1 })).toEqual([pub.id]);
    expect(priv.id).not.toBe(pub.id);
    await expect(t.store.startLobby(started.id, "srv2", 16)).rejects.toMatchObject({
      reason: "lobby_started",
    });
    await expect(t.store.joinLobby(started.id, x, {}, 20)).rejects.toMatchObject({ reason: "lobby_started" });
    expect((await t.store.getLobby(started.id))?.serverId).toBe("srv");
  });

  it("records invitations and clears them on join", async () => {
    const [a, b] = (await makeUsers(t.store, 2)) as [string, string];
    const lobby = await t.store.createLobby({ ownerId: a, access: "private", maxParticipants: 3 }, 1);
    await t.store.inviteToLobby(lobby.id, b, 2);
    await t.store.inviteToLobby(lobby.id, b, 3);
    expect(await t.store.isInvited(lobby.id, b)).toBe(true);
    expect((await t.store.listInvites(b)).map((l) => l.id)).toEqual([lobby.id]);
    await expect(t.store.inviteToLobby(lobby.id, "ghost", 4)).rejects.toMatchObject({ what: "user" });
    await t.store.joinLobby(lobby.id, b, {}, 5);
    expect(await t.store.isInvited(lobby.id, b)).toBe(false);
    expect(await t.store.listInvites(b)).toEqual([]);
  });

  it("registers game servers, heartbeats, lists live ones and picks the roomiest atomically", async () => {
    const s1 = await t.store.registerServer(
      { id: "s1", addresses: ["127.0.0.1:4000"], capacity: 8, metadata: { region: "eu" } },
      1000,
    );
    expect(s1).toEqual({
      id: "s1",
      addresses: ["127.0.0.1:4000"],
      capacity: 8,
      players: 0,
      metadata: { region: "eu" },
      lastHeartbeatMs: 1000,
    });
    await t.store.registerServer({ id: "s2", addresses: ["127.0.0.1:4001"], capacity: 8 }, 1000);
    await t.store.registerServer({ id: "old", addresses: ["127.0.0.1:4002"], capacity: 100 }, 10);
    expect(await t.store.heartbeatServer("s1", 3, 2000)).toBe(true);
    expect(await t.store.heartbeatServer("ghost", 3, 2000)).toBe(false);
    expect((await t.store.listServers(500)).map((s) => s.id)).toEqual(["s1", "s2"]);
    const picks = await Promise.all(Array.from({ length: 5 }, () => t.store.pickServer(500, 2)));
    // 13 free places of 2 seats each: s2 8→…, s1 5→…; never over capacity, 5 picks fit (8/2 + 5/2 = 6).
    expect(picks.every((p) => p !== undefined)).toBe(true);
    const after = await t.store.listServers(500);
    expect(after.every((s) => s.players <= s.capacity)).toBe(true);
    expect(after.reduce((n, s) => n + s.players, 0)).toBe(3 + 10);
    expect(await t.store.pickServer(500, 50)).toBeUndefined();
    expect(await t.store.removeServer("s1")).toBe(true);
    expect(await t.store.removeServer("s1")).toBe(false);
    expect((await t.store.listServers(0)).map((s) => s.id)).toEqual(["old", "s2"]);
  });

  it("keeps acknowledged lobbies across close and reopen", async () => {
    const [a, b] = (await makeUsers(t.store, 2)) as [string, string];
    const lobby = await t.store.createLobby(
      { ownerId: a, access: "public", maxParticipants: 3, metadata: { k: "v" } },
      1,
    );
    await t.store.joinLobby(lobby.id, b, { ready: 1 }, 2);
    const before = await t.store.getLobby(lobby.id);
    const store = await t.reopen();
    expect(await store.getLobby(lobby.id)).toEqual(before);
    const c = await store.createUser("late", "h", "L", 3);
    const joined = await store.joinLobby(lobby.id, c.id, {}, 4);
    expect(joined.members.map((m) => m.userId)).toEqual([a, b, c.id]);
  });
}
