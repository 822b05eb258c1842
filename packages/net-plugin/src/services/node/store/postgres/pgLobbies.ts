/** PostgreSQL store: lobbies, invitations and game servers. Joins lock the lobby row. */
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
import { str, toLobbyHead, toMember, toServer, type Row } from "../rows";
import type { PgContext, Query } from "./pgContext";

/** Candidate rows fetched per round trip of a search (metadata comparisons then filter in TS). */
const SEARCH_PAGE = 200;

/** Lobbies and game servers over a pg pool. */
export function pgLobbies(ctx: PgContext): LobbyStore {
  const { q } = ctx;
  const members = async (tq: Query, ids: string[]) => {
    const byLobby = new Map<string, ReturnType<typeof toMember>[]>(ids.map((id) => [id, []]));
    const rows = await tq(
      `SELECT m.*, u.display_name FROM lobby_members m JOIN users u ON u.id = m.user_id
       WHERE m.lobby_id = ANY($1) ORDER BY m.join_seq`,
      [ids],
    );
    for (const r of rows) byLobby.get(str(r.lobby_id))?.push(toMember(r));
    return byLobby;
  };
  const assemble = async (tq: Query, rows: Row[]): Promise<LobbyRecord[]> => {
    const m = await members(
      tq,
      rows.map((r) => str(r.id)),
    );
    return rows.map((r) => ({ ...toLobbyHead(r), members: m.get(str(r.id)) ?? [] }));
  };
  const load = async (tq: Query, id: string, lock = false): Promise<LobbyRecord> => {
    const rows = await tq(`SELECT * FROM lobbies WHERE id = $1${lock ? " FOR UPDATE" : ""}`, [id]);
    if (rows.length === 0) throw new NotFoundError("lobby", `No lobby ${id}.`);
    return (await assemble(tq, rows))[0] as LobbyRecord;
  };
  const remove = async (tq: Query, id: string) => {
    await tq("DELETE FROM lobby_members WHERE lobby_id = $1", [id]);
    await tq("DELETE FROM lobby_invites WHERE lobby_id = $1", [id]);
    return (await tq("DELETE FROM lobbies WHERE id = $1 RETURNING id", [id])).length > 0;
  };
  const addMember = (tq: Query, id: string, userId: string, metadata: unknown, now: number) =>
    tq(
      `INSERT INTO lobby_members (lobby_id, user_id, metadata, joined_at, join_seq)
       VALUES ($1, $2, $3, $4, nextval('join_seq'))`,
      [id, userId, JSON.stringify(metadata ?? {}), now],
    );

  return {
    createLobby: (c, nowMs) =>
      ctx.tx(async (tq) => {
        const id = randomUUID();
        await tq(
          `INSERT INTO lobbies (id, owner_id, access, max_participants, member_count, metadata, state, created_at)
           VALUES ($1, $2, $3, $4, 1, $5, 'open', $6)`,
          [id, c.ownerId, c.access, c.maxParticipants, JSON.stringify(c.metadata ?? {}), nowMs],
        );
        await addMember(tq, id, c.ownerId, c.ownerMetadata, nowMs);
        return load(tq, id);
      }),
    getLobby: async (id) => (await assemble(q, await q("SELECT * FROM lobbies WHERE id = $1", [id])))[0],
    listLobbiesOf: async (userId) =>
      assemble(
        q,
        await q(
          `SELECT l.* FROM lobby_members m JOIN lobbies l ON l.id = m.lobby_id WHERE m.user_id = $1
           ORDER BY l.created_at, l.id COLLATE "C"`,
          [userId],
        ),
      ),
    updateLobbyMetadata: (id, patch) =>
      ctx.tx(async (tq) => {
        const lobby = await load(tq, id, true);
        await tq("UPDATE lobbies SET metadata = $2 WHERE id = $1", [
          id,
          JSON.stringify(patchMetadata(lobby.metadata, patch)),
        ]);
        return load(tq, id);
      }),
    updateMemberMetadata: (id, userId, patch) =>
      ctx.tx(async (tq) => {
        await load(tq, id, true);
        const row = (
          await tq("SELECT metadata FROM lobby_members WHERE lobby_id = $1 AND user_id = $2", [id, userId])
        )[0];
        if (row === undefined) throw new NotFoundError("member", `User ${userId} is not in lobby ${id}.`);
        const next = patchMetadata(parseMetadata(str(row.metadata)), patch);
        await tq("UPDATE lobby_members SET metadata = $3 WHERE lobby_id = $1 AND user_id = $2", [
          id,
          userId,
          JSON.stringify(next),
        ]);
        return load(tq, id);
      }),
    joinLobby: (id, userId, metadata, nowMs) =>
      ctx.tx(async (tq) => {
        const lobby = await load(tq, id, true);
        if (lobby.members.some((m) => m.userId === userId)) return lobby;
        if (lobby.state !== "open") throw new ConflictError("lobby_started", `Lobby ${id} has started.`);
        if (lobby.members.length >= lobby.maxParticipants)
          throw new ConflictError("lobby_full", `Lobby ${id} is full.`);
        await addMember(tq, id, userId, metadata, nowMs);
        await tq("UPDATE lobbies SET member_count = member_count + 1 WHERE id = $1", [id]);
        await tq("DELETE FROM lobby_invites WHERE lobby_id = $1 AND user_id = $2", [id, userId]);
        return load(tq, id);
      }),
    leaveLobby: (id, userId) =>
      ctx.tx(async (tq) => {
        const lobby = await load(tq, id, true);
        const gone = await tq("DELETE FROM lobby_members WHERE lobby_id = $1 AND user_id = $2 RETURNING 1", [
          id,
          userId,
        ]);
        if (gone.length === 0) throw new NotFoundError("member", `User ${userId} is not in lobby ${id}.`);
        const heir = lobby.members.find((m) => m.userId !== userId);
        if (heir === undefined) {
          await remove(tq, id);
          return {};
        }
        await tq("UPDATE lobbies SET member_count = member_count - 1 WHERE id = $1", [id]);
        if (lobby.ownerId !== userId) return { lobby: await load(tq, id) };
        await tq("UPDATE lobbies SET owner_id = $2 WHERE id = $1", [id, heir.userId]);
        return { lobby: await load(tq, id), newOwnerId: heir.userId };
      }),
    inviteToLobby: (id, userId, nowMs) =>
      ctx.tx(async (tq) => {
        await load(tq, id);
        if ((await tq("SELECT 1 FROM users WHERE id = $1", [userId])).length === 0) {
          throw new NotFoundError("user", `No user ${userId}.`);
        }
        await tq(
          "INSERT INTO lobby_invites (lobby_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
          [id, userId, nowMs],
        );
      }),
    isInvited: async (id, userId) =>
      (await q("SELECT 1 FROM lobby_invites WHERE lobby_id = $1 AND user_id = $2", [id, userId])).length > 0,
    listInvites: async (userId) =>
      assemble(
        q,
        await q(
          `SELECT l.* FROM lobby_invites i JOIN lobbies l ON l.id = i.lobby_id WHERE i.user_id = $1
           AND NOT EXISTS (SELECT 1 FROM lobby_members m WHERE m.lobby_id = i.lobby_id AND m.user_id = i.user_id)
           ORDER BY i.created_at, i.lobby_id COLLATE "C"`,
          [userId],
        ),
      ),
    findLobbies: async (viewerId, filter) => {
      const f = normalizeFilter(filter);
      const out: Row[] = [];
      let after: [number, string] = [-Infinity, ""];
      // Exact pre-filters run in SQL on the JSON metadata; TS re-checks all comparisons below.
      const pushed = sqlPushdown(f.comparisons);
      const extra = pushed
        .map((c, i) => {
          const k = `$${6 + 2 * i}`;
          const v = `$${7 + 2 * i}`;
          return typeof c.value === "number"
            ? ` AND jsonb_typeof(l.metadata::jsonb -> ${k}) = 'number'
                AND (l.metadata::jsonb ->> ${k})::numeric ${SQL_OPERATORS[c.op]} ${v}::numeric`
            : ` AND jsonb_typeof(l.metadata::jsonb -> ${k}) = 'string'
                AND (l.metadata::jsonb ->> ${k}) ${SQL_OPERATORS[c.op]} ${v}::text`;
        })
        .join("");
      const extraParams = pushed.flatMap((c) => [c.key, c.value]);
      while (out.length < f.count) {
        const rows = await q(
          `SELECT * FROM lobbies l WHERE l.state = 'open' AND l.access IN ('public', 'friends')
             AND l.max_participants - l.member_count >= $1
             AND NOT EXISTS (SELECT 1 FROM lobby_members m WHERE m.lobby_id = l.id AND m.user_id = $2)
             AND (l.access = 'public' OR EXISTS (SELECT 1 FROM friends fr
                  WHERE fr.user_id = $2 AND fr.friend_id = l.owner_id AND fr.state = 'friend'))
             AND (l.created_at, l.id COLLATE "C") > ($3, $4)${extra}
           ORDER BY l.created_at, l.id COLLATE "C" LIMIT $5`,
          [
            f.slots,
            viewerId,
            after[0] === -Infinity ? Number.MIN_SAFE_INTEGER : after[0],
            after[1],
            SEARCH_PAGE,
            ...extraParams,
          ],
        );
        for (const r of rows) {
          if (out.length < f.count && matchesComparisons(toLobbyHead(r).metadata, f.comparisons)) out.push(r);
        }
        const last = rows[rows.length - 1];
        if (rows.length < SEARCH_PAGE || last === undefined) break;
        after = [Number(last.created_at), str(last.id)];
      }
      return assemble(q, out);
    },
    startLobby: (id, serverId, nowMs) =>
      ctx.tx(async (tq) => {
        if ((await load(tq, id, true)).state !== "open")
          throw new ConflictError("lobby_started", `Lobby ${id} has started.`);
        await tq("UPDATE lobbies SET state = 'started', server_id = $2, started_at = $3 WHERE id = $1", [
          id,
          serverId,
          nowMs,
        ]);
        return load(tq, id);
      }),
    deleteLobby: (id) => ctx.tx((tq) => remove(tq, id)),

    registerServer: async (s, nowMs) =>
      toServer(
        (
          await q(
            `INSERT INTO game_servers (id, addresses, capacity, players, metadata, last_heartbeat)
           VALUES ($1, $2, $3, 0, $4, $5)
           ON CONFLICT (id) DO UPDATE SET addresses = excluded.addresses, capacity = excluded.capacity, players = 0,
             metadata = excluded.metadata, last_heartbeat = excluded.last_heartbeat RETURNING *`,
            [s.id, JSON.stringify(s.addresses), s.capacity, JSON.stringify(s.metadata ?? {}), nowMs],
          )
        )[0] as Row,
      ),
    heartbeatServer: async (id, players, nowMs) =>
      (
        await q("UPDATE game_servers SET players = $2, last_heartbeat = $3 WHERE id = $1 RETURNING id", [
          id,
          players,
          nowMs,
        ])
      ).length > 0,
    removeServer: async (id) =>
      (await q("DELETE FROM game_servers WHERE id = $1 RETURNING id", [id])).length > 0,
    listServers: async (since) =>
      (await q(`SELECT * FROM game_servers WHERE last_heartbeat >= $1 ORDER BY id COLLATE "C"`, [since])).map(
        toServer,
      ),
    pickServer: (since, seats) =>
      ctx.tx(async (tq) => {
        // Lock the live servers in id order (one lock order for all processes), then choose.
        const live = (
          await tq(
            `SELECT * FROM game_servers WHERE last_heartbeat >= $1 ORDER BY id COLLATE "C" FOR UPDATE`,
            [since],
          )
        ).map(toServer);
        let best: (typeof live)[number] | undefined;
        for (const s of live) {
          const room = s.capacity - s.players;
          if (room >= seats && (best === undefined || room > best.capacity - best.players)) best = s;
        }
        if (best === undefined) return undefined;
        return toServer(
          (
            await tq("UPDATE game_servers SET players = players + $2 WHERE id = $1 RETURNING *", [
              best.id,
              seats,
            ])
          )[0] as Row,
        );
      }),
  };
}
