/** SQLite store: users, sessions and friends. */
import { randomUUID } from "node:crypto";
import { ConflictError, NotFoundError } from "../../../store/errors";
import type { FriendRecord } from "../../../store/records";
import type { UserStore } from "../storeParts";
import { str, toSession, toUser, type Row } from "../rows";
import type { SqliteContext } from "./groupCommit";
import type { FriendState } from "../../../api";

/** Users, sessions and friends over one SQLite connection. */
export function sqliteUsers(ctx: SqliteContext): UserStore {
  const { db } = ctx;
  const insertUser = db.prepare(
    `INSERT INTO users (id, display_name, username, username_key, device_id, password_hash, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const userById = db.prepare<[string], Row>("SELECT * FROM users WHERE id = ?");
  const userByName = db.prepare<[string], Row>("SELECT * FROM users WHERE username_key = ?");
  const userByDevice = db.prepare<[string], Row>("SELECT * FROM users WHERE device_id = ?");
  const setName = db.prepare("UPDATE users SET display_name = ? WHERE id = ?");
  const setCredentials = db.prepare(
    "UPDATE users SET username = ?, username_key = ?, password_hash = ? WHERE id = ? AND username IS NULL",
  );
  const insertSession = db.prepare(
    "INSERT INTO sessions (id, user_id, created_at, expires_at, revoked) VALUES (?, ?, ?, ?, 0)",
  );
  const sessionById = db.prepare<[string], Row>("SELECT * FROM sessions WHERE id = ?");
  const revoke = db.prepare("UPDATE sessions SET revoked = 1 WHERE id = ? AND revoked = 0");
  const revokeAll = db.prepare("UPDATE sessions SET revoked = 1 WHERE user_id = ? AND revoked = 0");
  const prune = db.prepare("DELETE FROM sessions WHERE expires_at < ?");
  const relation = db.prepare<[string, string], Row>(
    "SELECT * FROM friends WHERE user_id = ? AND friend_id = ?",
  );
  const upsertRelation = db.prepare(
    `INSERT INTO friends (user_id, friend_id, state, since) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, friend_id) DO UPDATE SET state = excluded.state, since = excluded.since`,
  );
  const deleteRelation = db.prepare("DELETE FROM friends WHERE user_id = ? AND friend_id = ?");
  const friendsOf = db.prepare<[string], Row>(
    `SELECT f.friend_id, f.state, f.since, u.display_name FROM friends f
     JOIN users u ON u.id = f.friend_id WHERE f.user_id = ? ORDER BY f.since, f.friend_id`,
  );

  const create = (
    displayName: string,
    username: string | null,
    deviceId: string | null,
    hash: string | null,
    now: number,
  ) => {
    const id = randomUUID();
    try {
      insertUser.run(id, displayName, username, username?.toLowerCase() ?? null, deviceId, hash, now);
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE") {
        throw new ConflictError(
          "username_taken",
          username !== null ? `Username "${username}" is taken.` : "Device already has a guest.",
        );
      }
      throw error;
    }
    return toUser(userById.get(id) as Row);
  };
  const friendRecord = (userId: string, friendId: string): FriendRecord => {
    const r = relation.get(userId, friendId) as Row;
    const other = userById.get(friendId);
    return {
      userId: friendId,
      displayName: other === undefined ? "" : str(other.display_name),
      state: r.state as FriendState,
      sinceMs: Number(r.since),
    };
  };

  return {
    createGuest: (deviceId, displayName, nowMs) =>
      ctx.write(() => create(displayName, null, deviceId, null, nowMs)),
    createUser: (username, hash, displayName, nowMs) =>
      ctx.write(() => create(displayName, username, null, hash, nowMs)),
    getUser: (id) => ctx.read(() => maybe(userById.get(id), toUser)),
    findUserByUsername: (name) => ctx.read(() => maybe(userByName.get(name.toLowerCase()), toUser)),
    findUserByDevice: (deviceId) => ctx.read(() => maybe(userByDevice.get(deviceId), toUser)),
    attachCredentials: (userId, username, hash) =>
      ctx.write(() => {
        let changes: number;
        try {
          changes = setCredentials.run(username, username.toLowerCase(), hash, userId).changes;
        } catch (error) {
          if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_UNIQUE")
            throw new ConflictError("username_taken", `Username "${username}" is taken.`);
          throw error;
        }
        if (changes === 0) {
          if (userById.get(userId) === undefined) throw new NotFoundError("user", `No user ${userId}.`);
          throw new ConflictError("username_taken", `User ${userId} already has a username.`);
        }
        return toUser(userById.get(userId) as Row);
      }),
    setDisplayName: (userId, displayName) =>
      ctx.write(() => {
        if (setName.run(displayName, userId).changes === 0)
          throw new NotFoundError("user", `No user ${userId}.`);
        return toUser(userById.get(userId) as Row);
      }),

    createSession: (id, userId, expiresAtMs, nowMs) =>
      ctx.write(() => {
        insertSession.run(id, userId, nowMs, expiresAtMs);
        return toSession(sessionById.get(id) as Row);
      }),
    getSession: (id) => ctx.read(() => maybe(sessionById.get(id), toSession)),
    revokeSession: (id) => ctx.write(() => revoke.run(id).changes > 0),
    revokeUserSessions: (userId) => ctx.write(() => revokeAll.run(userId).changes),
    pruneSessions: (nowMs) => ctx.write(() => prune.run(nowMs).changes),

    requestFriend: (userId, friendId, nowMs) =>
      ctx.write(() => {
        if (userId === friendId)
          throw new ConflictError("already_friends", "Users cannot befriend themselves.");
        if (userById.get(friendId) === undefined) throw new NotFoundError("user", `No user ${friendId}.`);
        const mine = relation.get(userId, friendId);
        if (mine?.state === "friend")
          throw new ConflictError("already_friends", `Already friends with ${friendId}.`);
        if (mine?.state === "incoming") {
          upsertRelation.run(userId, friendId, "friend", nowMs);
          upsertRelation.run(friendId, userId, "friend", nowMs);
        } else if (mine === undefined) {
          upsertRelation.run(userId, friendId, "outgoing", nowMs);
          upsertRelation.run(friendId, userId, "incoming", nowMs);
        }
        return friendRecord(userId, friendId);
      }),
    acceptFriend: (userId, friendId, nowMs) =>
      ctx.write(() => {
        if (relation.get(userId, friendId)?.state !== "incoming") {
          throw new NotFoundError("friend", `No friend request from ${friendId}.`);
        }
        upsertRelation.run(userId, friendId, "friend", nowMs);
        upsertRelation.run(friendId, userId, "friend", nowMs);
        return friendRecord(userId, friendId);
      }),
    removeFriend: (userId, friendId) =>
      ctx.write(() => {
        const removed = deleteRelation.run(userId, friendId).changes > 0;
        deleteRelation.run(friendId, userId);
        return removed;
      }),
    listFriends: (userId) =>
      ctx.read(() =>
        friendsOf.all(userId).map((r) => ({
          userId: String(r.friend_id),
          displayName: String(r.display_name),
          state: r.state as FriendState,
          sinceMs: Number(r.since),
        })),
      ),
    areFriends: (userId, otherId) => ctx.read(() => relation.get(userId, otherId)?.state === "friend"),
  };
}

/** Maps a row that may be missing. */
export function maybe<T>(row: Row | undefined, map: (r: Row) => T): T | undefined {
  return row === undefined ? undefined : map(row);
}
