/** PostgreSQL store: users, sessions and friends. */
import { randomUUID } from "node:crypto";
import type { FriendState } from "../../../api";
import { ConflictError, NotFoundError } from "../../../store/errors";
import type { FriendRecord } from "../../../store/records";
import type { UserStore } from "../storeParts";
import { str, toSession, toUser, type Row } from "../rows";
import { sqlState, UNIQUE_VIOLATION, type PgContext, type Query } from "./pgContext";

const first = <T>(rows: Row[], map: (r: Row) => T): T | undefined =>
  rows[0] === undefined ? undefined : map(rows[0]);

const toFriend = (r: Row): FriendRecord => ({
  userId: str(r.friend_id),
  displayName: str(r.display_name),
  state: str(r.state) as FriendState,
  sinceMs: Number(r.since),
});

/** Users, sessions and friends over a pg pool. */
export function pgUsers(ctx: PgContext): UserStore {
  const { q } = ctx;
  const create = async (
    displayName: string,
    username: string | null,
    deviceId: string | null,
    hash: string | null,
    now: number,
  ) => {
    try {
      const rows = await q(
        `INSERT INTO users (id, display_name, username, username_key, device_id, password_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
        [randomUUID(), displayName, username, username?.toLowerCase() ?? null, deviceId, hash, now],
      );
      return toUser(rows[0] as Row);
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) {
        throw new ConflictError(
          "username_taken",
          username !== null ? `Username "${username}" is taken.` : "Device already has a guest.",
        );
      }
      throw error;
    }
  };
  /** Serializes friend changes of one pair (rows may not exist yet, so lock the pair itself). */
  const lockPair = (tq: Query, a: string, b: string) =>
    tq("SELECT pg_advisory_xact_lock(hashtext($1))", [a < b ? `${a}|${b}` : `${b}|${a}`]);
  const setRelation = (tq: Query, user: string, friend: string, state: FriendState, now: number) =>
    tq(
      `INSERT INTO friends (user_id, friend_id, state, since) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, friend_id) DO UPDATE SET state = excluded.state, since = excluded.since`,
      [user, friend, state, now],
    );
  const relation = async (tq: Query, user: string, friend: string) =>
    (await tq("SELECT state FROM friends WHERE user_id = $1 AND friend_id = $2", [user, friend]))[0]
      ?.state as FriendState | undefined;
  const view = async (tq: Query, user: string, friend: string) =>
    toFriend(
      (
        await tq(
          `SELECT f.friend_id, f.state, f.since, u.display_name FROM friends f JOIN users u ON u.id = f.friend_id
         WHERE f.user_id = $1 AND f.friend_id = $2`,
          [user, friend],
        )
      )[0] as Row,
    );

  return {
    createGuest: (deviceId, displayName, nowMs) => create(displayName, null, deviceId, null, nowMs),
    createUser: (username, hash, displayName, nowMs) => create(displayName, username, null, hash, nowMs),
    getUser: async (id) => first(await q("SELECT * FROM users WHERE id = $1", [id]), toUser),
    findUserByUsername: async (name) =>
      first(await q("SELECT * FROM users WHERE username_key = $1", [name.toLowerCase()]), toUser),
    findUserByDevice: async (deviceId) =>
      first(await q("SELECT * FROM users WHERE device_id = $1", [deviceId]), toUser),
    attachCredentials: async (userId, username, hash) => {
      let rows: Row[];
      try {
        rows = await q(
          `UPDATE users SET username = $2, username_key = $3, password_hash = $4
           WHERE id = $1 AND username IS NULL RETURNING *`,
          [userId, username, username.toLowerCase(), hash],
        );
      } catch (error) {
        if (sqlState(error) === UNIQUE_VIOLATION)
          throw new ConflictError("username_taken", `Username "${username}" is taken.`);
        throw error;
      }
      const user = first(rows, toUser);
      if (user !== undefined) return user;
      if ((await q("SELECT 1 FROM users WHERE id = $1", [userId])).length === 0)
        throw new NotFoundError("user", `No user ${userId}.`);
      throw new ConflictError("username_taken", `User ${userId} already has a username.`);
    },
    setDisplayName: async (userId, displayName) => {
      const user = first(
        await q("UPDATE users SET display_name = $1 WHERE id = $2 RETURNING *", [displayName, userId]),
        toUser,
      );
      if (user === undefined) throw new NotFoundError("user", `No user ${userId}.`);
      return user;
    },

    createSession: async (id, userId, expiresAtMs, nowMs) =>
      toSession(
        (
          await q(
            "INSERT INTO sessions (id, user_id, created_at, expires_at, revoked) VALUES ($1, $2, $3, $4, 0) RETURNING *",
            [id, userId, nowMs, expiresAtMs],
          )
        )[0] as Row,
      ),
    getSession: async (id) => first(await q("SELECT * FROM sessions WHERE id = $1", [id]), toSession),
    revokeSession: async (id) =>
      (await q("UPDATE sessions SET revoked = 1 WHERE id = $1 AND revoked = 0 RETURNING id", [id])).length >
      0,
    revokeUserSessions: async (userId) =>
      (await q("UPDATE sessions SET revoked = 1 WHERE user_id = $1 AND revoked = 0 RETURNING id", [userId]))
        .length,
    pruneSessions: async (nowMs) =>
      (await q("DELETE FROM sessions WHERE expires_at < $1 RETURNING id", [nowMs])).length,

    requestFriend: (userId, friendId, nowMs) =>
      ctx.tx(async (tq) => {
        if (userId === friendId)
          throw new ConflictError("already_friends", "Users cannot befriend themselves.");
        if ((await tq("SELECT 1 FROM users WHERE id = $1", [friendId])).length === 0) {
          throw new NotFoundError("user", `No user ${friendId}.`);
        }
        await lockPair(tq, userId, friendId);
        const mine = await relation(tq, userId, friendId);
        if (mine === "friend")
          throw new ConflictError("already_friends", `Already friends with ${friendId}.`);
        if (mine === "incoming") {
          await setRelation(tq, userId, friendId, "friend", nowMs);
          await setRelation(tq, friendId, userId, "friend", nowMs);
        } else if (mine === undefined) {
          await setRelation(tq, userId, friendId, "outgoing", nowMs);
          await setRelation(tq, friendId, userId, "incoming", nowMs);
        }
        return view(tq, userId, friendId);
      }),
    acceptFriend: (userId, friendId, nowMs) =>
      ctx.tx(async (tq) => {
        await lockPair(tq, userId, friendId);
        if ((await relation(tq, userId, friendId)) !== "incoming") {
          throw new NotFoundError("friend", `No friend request from ${friendId}.`);
        }
        await setRelation(tq, userId, friendId, "friend", nowMs);
        await setRelation(tq, friendId, userId, "friend", nowMs);
        return view(tq, userId, friendId);
      }),
    removeFriend: (userId, friendId) =>
      ctx.tx(async (tq) => {
        await lockPair(tq, userId, friendId);
        const removed = await tq("DELETE FROM friends WHERE user_id = $1 AND friend_id = $2 RETURNING 1", [
          userId,
          friendId,
        ]);
        await tq("DELETE FROM friends WHERE user_id = $1 AND friend_id = $2", [friendId, userId]);
        return removed.length > 0;
      }),
    listFriends: async (userId) =>
      (
        await q(
          `SELECT f.friend_id, f.state, f.since, u.display_name FROM friends f JOIN users u ON u.id = f.friend_id
           WHERE f.user_id = $1 ORDER BY f.since, f.friend_id COLLATE "C"`,
          [userId],
        )
      ).map(toFriend),
    areFriends: async (userId, otherId) => (await relation(q, userId, otherId)) === "friend",
  };
}
