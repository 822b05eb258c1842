/** Store contract: users, sessions, friends. */
import { expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../../src/services/store/errors";
import type { ContractContext } from "./contract";

/** Users, sessions and friends. */
export function identityContract(t: ContractContext): void {
  it("creates guests and password users and finds them by id, username and device", async () => {
    const guest = await t.store.createGuest("device-0123456789abcdef", "Guest", 1000);
    expect(guest).toMatchObject({
      displayName: "Guest",
      deviceId: "device-0123456789abcdef",
      createdAtMs: 1000,
    });
    expect(guest.username).toBeUndefined();
    const user = await t.store.createUser("Alice", "scrypt$hash", "Alice A", 2000);
    expect(user).toMatchObject({ username: "Alice", passwordHash: "scrypt$hash", displayName: "Alice A" });
    expect(user.id).not.toBe(guest.id);
    expect(await t.store.getUser(user.id)).toEqual(user);
    expect(await t.store.findUserByUsername("aLiCe")).toEqual(user);
    expect(await t.store.findUserByDevice("device-0123456789abcdef")).toEqual(guest);
    expect(await t.store.getUser("nobody")).toBeUndefined();
    expect(await t.store.findUserByUsername("bob")).toBeUndefined();
    expect(await t.store.findUserByDevice("nope")).toBeUndefined();
    expect(await t.store.setDisplayName(user.id, "Ally")).toMatchObject({ id: user.id, displayName: "Ally" });
    await expect(t.store.setDisplayName("nobody", "x")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses a taken username (case-insensitively) and a second guest for one device", async () => {
    await t.store.createUser("Alice", "h", "A", 1);
    await expect(t.store.createUser("ALICE", "h", "B", 2)).rejects.toMatchObject({
      reason: "username_taken",
    });
    await t.store.createGuest("device-aaaaaaaaaaaaaaaa", "G", 1);
    await expect(t.store.createGuest("device-aaaaaaaaaaaaaaaa", "G", 2)).rejects.toBeInstanceOf(
      ConflictError,
    );
    // Two racing registrations of one name: exactly one wins.
    const results = await Promise.allSettled([
      t.store.createUser("race", "h", "1", 3),
      t.store.createUser("Race", "h", "2", 3),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("attaches credentials to a guest, keeping its id; refuses taken names and second attaches", async () => {
    const guest = await t.store.createGuest("device-upgrade-0123456789", "Guest", 1000);
    const other = await t.store.createGuest("device-upgrade-other-0123", "Other", 1000);
    await t.store.createUser("Taken", "h", "T", 1000);
    await expect(t.store.attachCredentials(guest.id, "TAKEN", "h2")).rejects.toMatchObject({
      reason: "username_taken",
    });
    const upgraded = await t.store.attachCredentials(guest.id, "Gina", "scrypt$g");
    expect(upgraded).toMatchObject({ ...guest, username: "Gina", passwordHash: "scrypt$g" });
    expect(await t.store.findUserByUsername("gina")).toEqual(upgraded);
    expect(await t.store.findUserByDevice("device-upgrade-0123456789")).toEqual(upgraded);
    await expect(t.store.attachCredentials(guest.id, "Gina2", "h")).rejects.toMatchObject({
      reason: "username_taken",
    });
    await expect(t.store.attachCredentials("nobody", "Nobody", "h")).rejects.toBeInstanceOf(NotFoundError);
    // Two guests racing for one name: exactly one wins.
    const third = await t.store.createGuest("device-upgrade-third-0123", "Third", 1000);
    const results = await Promise.allSettled([
      t.store.attachCredentials(other.id, "same", "h"),
      t.store.attachCredentials(third.id, "SAME", "h"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  });

  it("creates, reads, revokes and prunes sessions", async () => {
    const user = await t.store.createUser("sam", "h", "Sam", 1);
    const s = await t.store.createSession("sess-1", user.id, 5000, 1000);
    expect(s).toEqual({
      id: "sess-1",
      userId: user.id,
      createdAtMs: 1000,
      expiresAtMs: 5000,
      revoked: false,
    });
    await t.store.createSession("sess-2", user.id, 9000, 1000);
    await t.store.createSession("sess-3", user.id, 2000, 1000);
    expect(await t.store.getSession("sess-1")).toEqual(s);
    expect(await t.store.getSession("none")).toBeUndefined();
    const twice = await Promise.all([t.store.revokeSession("sess-1"), t.store.revokeSession("sess-1")]);
    expect(twice.sort()).toEqual([false, true]);
    expect((await t.store.getSession("sess-1"))?.revoked).toBe(true);
    expect(await t.store.revokeUserSessions(user.id)).toBe(2);
    expect((await t.store.getSession("sess-2"))?.revoked).toBe(true);
    expect(await t.store.pruneSessions(3000)).toBe(1);
    expect(await t.store.getSession("sess-3")).toBeUndefined();
  });

  it("handles friend requests, acceptance, listing and removal", async () => {
    const a = (await t.store.createUser("a", "h", "Ann", 1)).id;
    const b = (await t.store.createUser("b", "h", "Ben", 2)).id;
    const c = (await t.store.createUser("c", "h", "Cid", 3)).id;
    expect(await t.store.requestFriend(a, b, 10)).toEqual({
      userId: b,
      displayName: "Ben",
      state: "outgoing",
      sinceMs: 10,
    });
    expect(await t.store.listFriends(b)).toEqual([
      { userId: a, displayName: "Ann", state: "incoming", sinceMs: 10 },
    ]);
    expect(await t.store.areFriends(a, b)).toBe(false);
    await expect(t.store.acceptFriend(a, b, 11)).rejects.toBeInstanceOf(NotFoundError);
    expect(await t.store.acceptFriend(b, a, 12)).toMatchObject({ userId: a, state: "friend", sinceMs: 12 });
    expect(await t.store.areFriends(a, b)).toBe(true);
    expect(await t.store.areFriends(b, a)).toBe(true);
    await expect(t.store.requestFriend(a, b, 13)).rejects.toMatchObject({ reason: "already_friends" });
    // A request back when the other side asked first accepts at once.
    await t.store.requestFriend(c, a, 14);
    expect(await t.store.requestFriend(a, c, 15)).toMatchObject({ userId: c, state: "friend" });
    expect((await t.store.listFriends(a)).map((f) => [f.userId, f.state])).toEqual([
      [b, "friend"],
      [c, "friend"],
    ]);
    await expect(t.store.requestFriend(a, "ghost", 16)).rejects.toMatchObject({ what: "user" });
    expect(await t.store.removeFriend(b, a)).toBe(true);
    expect(await t.store.removeFriend(b, a)).toBe(false);
    expect(await t.store.areFriends(a, b)).toBe(false);
    expect((await t.store.listFriends(a)).map((f) => f.userId)).toEqual([c]);
  });

  it("rejects calls after close", async () => {
    const store = t.store;
    await store.close();
    await expect(store.getUser("x")).rejects.toThrow();
    await expect(store.createUser("late", "h", "L", 1)).rejects.toThrow();
    await t.reopen();
  });
}
