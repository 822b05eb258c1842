/** SQLite store: the periodic sweep's deletions (finished matches' lobbies, silent game servers). */
import type { Store } from "../../../store/store";
import { str, type Row } from "../rows";
import type { SqliteContext } from "./groupCommit";

/** Started lobbies past their time, or whose game server is gone or silent. */
const STALE_LOBBIES = `SELECT l.id FROM lobbies l LEFT JOIN game_servers s ON s.id = l.server_id
  WHERE l.state = 'started'
    AND (COALESCE(l.started_at, l.created_at) < ? OR s.id IS NULL OR s.last_heartbeat < ?)`;

/** Sweep deletions over one SQLite connection. */
export function sqliteSweep(ctx: SqliteContext): Pick<Store, "pruneStartedLobbies" | "pruneServers"> {
  const { db } = ctx;
  const staleLobbies = db.prepare<[number, number], Row>(STALE_LOBBIES);
  const deleteMembers = db.prepare("DELETE FROM lobby_members WHERE lobby_id = ?");
  const deleteInvites = db.prepare("DELETE FROM lobby_invites WHERE lobby_id = ?");
  const deleteLobby = db.prepare("DELETE FROM lobbies WHERE id = ?");
  const staleServers = db.prepare<[number], Row>("SELECT id FROM game_servers WHERE last_heartbeat < ?");
  const deleteServers = db.prepare("DELETE FROM game_servers WHERE last_heartbeat < ?");
  return {
    pruneStartedLobbies: (startedBeforeMs, serverAliveSinceMs) =>
      ctx.write(() => {
        const ids = staleLobbies.all(startedBeforeMs, serverAliveSinceMs).map((r) => str(r.id));
        for (const id of ids) {
          deleteMembers.run(id);
          deleteInvites.run(id);
          deleteLobby.run(id);
        }
        return ids;
      }),
    pruneServers: (aliveSinceMs) =>
      ctx.write(() => {
        const ids = staleServers.all(aliveSinceMs).map((r) => str(r.id));
        deleteServers.run(aliveSinceMs);
        return ids;
      }),
  };
}
