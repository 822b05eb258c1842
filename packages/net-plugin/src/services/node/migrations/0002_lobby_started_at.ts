/** Migration 2: when a lobby's match started, so the sweep can remove finished matches' lobbies. */
import type { Migration } from "./migration";

/** Lobbies started before this migration have no start time; the sweep reads theirs as `created_at`. */
const sql = (bigint: string) => `
ALTER TABLE lobbies ADD COLUMN started_at ${bigint};
CREATE INDEX lobbies_started ON lobbies (state, started_at);
CREATE INDEX game_servers_heartbeat ON game_servers (last_heartbeat);
`;

/** Adds `lobbies.started_at` and the indexes the sweep uses. */
export const lobbyStartedAt: Migration = {
  version: 2,
  name: "lobby_started_at",
  sqlite: sql("INTEGER"),
  postgres: sql("BIGINT"),
};
