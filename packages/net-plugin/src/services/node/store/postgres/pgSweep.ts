/** PostgreSQL store: the periodic sweep's deletions (finished matches' lobbies, silent game servers). */
import type { Store } from "../../../store/store";
import { str } from "../rows";
import type { PgContext } from "./pgContext";

/** Sweep deletions over a pg pool (each call one transaction; concurrent sweeps delete each row once). */
export function pgSweep(ctx: PgContext): Pick<Store, "pruneStartedLobbies" | "pruneServers"> {
  return {
    pruneStartedLobbies: (startedBeforeMs, serverAliveSinceMs) =>
      ctx.tx(async (tq) => {
        const rows = await tq(
          `DELETE FROM lobbies l WHERE l.state = 'started'
             AND (COALESCE(l.started_at, l.created_at) < $1
               OR NOT EXISTS (SELECT 1 FROM game_servers s
                              WHERE s.id = l.server_id AND s.last_heartbeat >= $2))
           RETURNING l.id`,
          [startedBeforeMs, serverAliveSinceMs],
        );
        const ids = rows.map((r) => str(r.id));
        if (ids.length > 0) {
          await tq("DELETE FROM lobby_members WHERE lobby_id = ANY($1)", [ids]);
          await tq("DELETE FROM lobby_invites WHERE lobby_id = ANY($1)", [ids]);
        }
        return ids;
      }),
    pruneServers: async (aliveSinceMs) =>
      (await ctx.q("DELETE FROM game_servers WHERE last_heartbeat < $1 RETURNING id", [aliveSinceMs])).map(
        (r) => str(r.id),
      ),
  };
}
