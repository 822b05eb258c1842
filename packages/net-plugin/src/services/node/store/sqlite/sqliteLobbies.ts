/** SQLite store: lobbies, invitations and game servers. Joins are atomic: writes run one at a time. */
import { randomUUID } from "node:crypto";
import { ConflictError, NotFoundError } from "../../../store/errors";
import {
  matchesComparisons,
  normalizeFilter,
  parseMetadata,
  patchMetadata,
  SQL_OPERATORS,
  sqlPushdown,
} from "../../../store/lobbyFilter";
import type { LobbyRecord } from "../../../store/records";
import type { LobbyStore } from "../storeParts";
import { toLobbyHead, toMember, toServer, type Row } from "../rows";
import type { SqliteContext } from "./groupCommit";
import type Database from "better-sqlite3";
import type { LobbyComparison } from "../../../api";

/** Lobbies and game servers over one SQLite connection. */
export function sqliteLobbies(ctx: SqliteContext): LobbyStore {
  const { db } = ctx;
  const q = <P extends unknown[]>(sql: string) => db.prepare<P, Row>(sql);
  const lobbyRow = q<[string]>("SELECT * FROM lobbies WHERE id = ?");
  const membersOf = q<[string]>(
    `SELECT m.*, u.display_name FROM lobby_members m JOIN users u ON u.id = m.user_id
     WHERE m.lobby_id = ? ORDER BY m.join_seq`,
  );
  const member = q<[string, string]>("SELECT * FROM lobby_members WHERE lobby_id = ? AND user_id = ?");
  const insertLobby = db.prepare(
    `INSERT INTO lobbies (id, owner_id, access, max_participants, member_count, metadata, state, created_at)
     VALUES (?, ?, ?, ?, 0, ?, 'open', ?)`,
  );
  const insertMember = db.prepare(
    "INSERT INTO lobby_members (lobby_id, user_id, metadata, joined_at, join_seq) VALUES (?, ?, ?, ?, ?)",
  );
  const bumpCount = db.prepare("UPDATE lobbies SET member_count = member_count + ? WHERE id = ?");
  const setLobbyMeta = db.prepare("UPDATE lobbies SET metadata = ? WHERE id = ?");
  const setMemberMeta = db.prepare(
    "UPDATE lobby_members SET metadata = ? WHERE lobby_id = ? AND user_id = ?",
  );
  const deleteMember = db.prepare("DELETE FROM lobby_members WHERE lobby_id = ? AND user_id = ?");
  const setOwner = db.prepare("UPDATE lobbies SET owner_id = ? WHERE id = ?");
  const setStarted = db.prepare(
    "UPDATE lobbies SET state = 'started', server_id = ?, started_at = ? WHERE id = ?",
  );
  const deleteLobbyRow = db.prepare("DELETE FROM lobbies WHERE id = ?");
  const deleteMembers = db.prepare("DELETE FROM lobby_members WHERE lobby_id = ?");
  const deleteInvites = db.prepare("DELETE FROM lobby_invites WHERE lobby_id = ?");
  const insertInvite = db.prepare(
    "INSERT INTO lobby_invites (lobby_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const deleteInvite = db.prepare("DELETE FROM lobby_invites WHERE lobby_id = ? AND user_id = ?");
  const invite = q<[string, string]>("SELECT 1 FROM lobby_invites WHERE lobby_id = ? AND user_id = ?");
  const userExists = q<[string]>("SELECT 1 FROM users WHERE id = ?");
  const lobbiesOf = q<[string]>(
    "SELECT l.id FROM lobby_members m JOIN lobbies l ON l.id = m.lobby_id WHERE m.user_id = ? ORDER BY l.created_at, l.id",
  );
  const invitesOf = q<[string]>(
    `SELECT i.lobby_id AS id FROM lobby_invites i JOIN lobbies l ON l.id = i.lobby_id WHERE i.user_id = ?
     AND NOT EXISTS (SELECT 1 FROM lobby_members m WHERE m.lobby_id = i.lobby_id AND m.user_id = i.user_id)
     ORDER BY i.created_at, i.lobby_id`,
  );
  const searchSql = (extra: string) =>
    `SELECT * FROM lobbies l WHERE l.state = 'open' AND l.access IN ('public', 'friends')
       AND l.max_participants - l.member_count >= ?
       AND NOT EXISTS (SELECT 1 FROM lobby_members m WHERE m.lobby_id = l.id AND m.user_id = ?)
       AND (l.access = 'public' OR EXISTS (SELECT 1 FROM friends f
            WHERE f.user_id = ? AND f.friend_id = l.owner_id AND f.state = 'friend'))${extra}
     ORDER BY l.created_at, l.id`;
  /** Prepared searches by their pushed-down comparison shape (ops and value types). */
  const searches = new Map<string, Database.Statement<unknown[], Row>>();
  const search = (pushed: LobbyComparison[]) => {
    const shape = pushed.map((c) => `${c.op}:${typeof c.value}`).join(",");
    let statement = searches.get(shape);
    if (statement === undefined) {
      const extra = pushed
        .map(
          (c) =>
            ` AND json_type(l.metadata, ?) IN (${typeof c.value === "number" ? "'integer', 'real'" : "'text'"})` +
            ` AND json_extract(l.metadata, ?) ${SQL_OPERATORS[c.op]} ?`,
        )
        .join("");
      statement = db.prepare<unknown[], Row>(searchSql(extra));
      searches.set(shape, statement);
    }
    return statement;
  };
  const joinSeq = db.prepare<[], { m: number | null }>("SELECT MAX(join_seq) AS m FROM lobby_members");
  let seq = joinSeq.get()?.m ?? 0;

  const assemble = (row: Row): LobbyRecord => ({
    ...toLobbyHead(row),
    members: membersOf.all(String(row.id)).map(toMember),
  });
  const load = (id: string): LobbyRecord => {
    const row = lobbyRow.get(id);
    if (row === undefined) throw new NotFoundError("lobby", `No lobby ${id}.`);
    return assemble(row);
  };
  const remove = (id: string) => {
    deleteMembers.run(id);
    deleteInvites.run(id);
    return deleteLobbyRow.run(id).changes > 0;
  };
  const server = q<[string]>("SELECT * FROM game_servers WHERE id = ?");
  const upsertServer = db.prepare(
    `INSERT INTO game_servers (id, addresses, capacity, players, metadata, last_heartbeat) VALUES (?, ?, ?, 0, ?, ?)
     ON CONFLICT (id) DO UPDATE SET addresses = excluded.addresses, capacity = excluded.capacity, players = 0,
       metadata = excluded.metadata, last_heartbeat = excluded.last_heartbeat`,
  );
  const heartbeat = db.prepare("UPDATE game_servers SET players = ?, last_heartbeat = ? WHERE id = ?");
  const deleteServer = db.prepare("DELETE FROM game_servers WHERE id = ?");
  const alive = q<[number]>("SELECT * FROM game_servers WHERE last_heartbeat >= ? ORDER BY id");
  const roomiest = q<[number, number]>(
    `SELECT * FROM game_servers WHERE last_heartbeat >= ? AND capacity - players >= ?
     ORDER BY capacity - players DESC, id LIMIT 1`,
  );
  const reserve = db.prepare("UPDATE game_servers SET players = players + ? WHERE id = ?");

  return {
    createLobby: (c, nowMs) =>
      ctx.write(() => {
        const id = randomUUID();
        insertLobby.run(id, c.ownerId, c.access, c.maxParticipants, JSON.stringify(c.metadata ?? {}), nowMs);
        insertMember.run(id, c.ownerId, JSON.stringify(c.ownerMetadata ?? {}), nowMs, ++seq);
        bumpCount.run(1, id);
        return load(id);
      }),
    getLobby: (id) => ctx.read(() => maybeLobby(lobbyRow.get(id), assemble)),
    listLobbiesOf: (userId) => ctx.read(() => lobbiesOf.all(userId).map((r) => load(String(r.id)))),
    updateLobbyMetadata: (id, patch) =>
      ctx.write(() => {
        const lobby = load(id);
        setLobbyMeta.run(JSON.stringify(patchMetadata(lobby.metadata, patch)), id);
        return load(id);
      }),
    updateMemberMetadata: (id, userId, patch) =>
      ctx.write(() => {
        load(id);
        const row = member.get(id, userId);
        if (row === undefined) throw new NotFoundError("member", `User ${userId} is not in lobby ${id}.`);
        setMemberMeta.run(
          JSON.stringify(patchMetadata(parseMetadata(String(row.metadata)), patch)),
          id,
          userId,
        );
        return load(id);
      }),
    joinLobby: (id, userId, metadata, nowMs) =>
      ctx.write(() => {
        const lobby = load(id);
        if (lobby.members.some((m) => m.userId === userId)) return lobby;
        if (lobby.state !== "open") throw new ConflictError("lobby_started", `Lobby ${id} has started.`);
        if (lobby.members.length >= lobby.maxParticipants)
          throw new ConflictError("lobby_full", `Lobby ${id} is full.`);
        insertMember.run(id, userId, JSON.stringify(metadata ?? {}), nowMs, ++seq);
        bumpCount.run(1, id);
        deleteInvite.run(id, userId);
        return load(id);
      }),
    leaveLobby: (id, userId) =>
      ctx.write(() => {
        const lobby = load(id);
        if (deleteMember.run(id, userId).changes === 0) {
          throw new NotFoundError("member", `User ${userId} is not in lobby ${id}.`);
        }
        const rest = lobby.members.filter((m) => m.userId !== userId);
        const heir = rest[0];
        if (heir === undefined) {
          remove(id);
          return {};
        }
        bumpCount.run(-1, id);
        if (lobby.ownerId !== userId) return { lobby: load(id) };
        setOwner.run(heir.userId, id);
        return { lobby: load(id), newOwnerId: heir.userId };
      }),
    inviteToLobby: (id, userId, nowMs) =>
      ctx.write(() => {
        load(id);
        if (userExists.get(userId) === undefined) throw new NotFoundError("user", `No user ${userId}.`);
        insertInvite.run(id, userId, nowMs);
      }),
    isInvited: (id, userId) => ctx.read(() => invite.get(id, userId) !== undefined),
    listInvites: (userId) => ctx.read(() => invitesOf.all(userId).map((r) => load(String(r.id)))),
    findLobbies: (viewerId, filter) =>
      ctx.read(() => {
        const f = normalizeFilter(filter);
        const out: LobbyRecord[] = [];
        if (f.count === 0) return out;
        const pushed = sqlPushdown(f.comparisons);
        const params: unknown[] = [f.slots, viewerId, viewerId];
        for (const c of pushed) params.push(`$."${c.key}"`, `$."${c.key}"`, c.value);
        for (const row of search(pushed).iterate(...params)) {
          const lobby = toLobbyHead(row);
          if (!matchesComparisons(lobby.metadata, f.comparisons)) continue;
          out.push({ ...lobby, members: membersOf.all(lobby.id).map(toMember) });
          if (out.length >= f.count) break;
        }
        return out;
      }),
    startLobby: (id, serverId, nowMs) =>
      ctx.write(() => {
        if (load(id).state !== "open") throw new ConflictError("lobby_started", `Lobby ${id} has started.`);
        setStarted.run(serverId, nowMs, id);
        return load(id);
      }),
    deleteLobby: (id) => ctx.write(() => remove(id)),

    registerServer: (s, nowMs) =>
      ctx.write(() => {
        upsertServer.run(
          s.id,
          JSON.stringify(s.addresses),
          s.capacity,
          JSON.stringify(s.metadata ?? {}),
          nowMs,
        );
        return toServer(server.get(s.id) as Row);
      }),
    heartbeatServer: (id, players, nowMs) => ctx.write(() => heartbeat.run(players, nowMs, id).changes > 0),
    removeServer: (id) => ctx.write(() => deleteServer.run(id).changes > 0),
    listServers: (since) => ctx.read(() => alive.all(since).map(toServer)),
    pickServer: (since, seats) =>
      ctx.write(() => {
        const row = roomiest.get(since, seats);
        if (row === undefined) return undefined;
        reserve.run(seats, String(row.id));
        return toServer(server.get(String(row.id)) as Row);
      }),
  };
}

function maybeLobby(row: Row | undefined, assemble: (r: Row) => LobbyRecord): LobbyRecord | undefined {
  return row === undefined ? undefined : assemble(row);
}
