/** Migration 1: users, sessions, friends, leaderboards, achievements, saves, lobbies, game servers. */
import type { Migration } from "./migration";

/** Tables both dialects share word for word (types that mean the same in both). */
const common = (blob: string, bigint: string) => `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  username TEXT,
  username_key TEXT UNIQUE,
  device_id TEXT UNIQUE,
  password_hash TEXT,
  created_at ${bigint} NOT NULL
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  created_at ${bigint} NOT NULL,
  expires_at ${bigint} NOT NULL,
  revoked SMALLINT NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE friends (
  user_id TEXT NOT NULL,
  friend_id TEXT NOT NULL,
  state TEXT NOT NULL,
  since ${bigint} NOT NULL,
  PRIMARY KEY (user_id, friend_id)
);
CREATE TABLE boards (
  id TEXT PRIMARY KEY,
  sort TEXT NOT NULL,
  rule TEXT NOT NULL,
  min_score ${bigint} NOT NULL,
  max_score ${bigint} NOT NULL,
  server_only SMALLINT NOT NULL
);
CREATE TABLE scores (
  board_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  score ${bigint} NOT NULL,
  rank_key ${bigint} NOT NULL,
  seq ${bigint} NOT NULL,
  updated_at ${bigint} NOT NULL,
  PRIMARY KEY (board_id, user_id)
);
CREATE INDEX scores_rank ON scores (board_id, rank_key, seq);
CREATE TABLE score_buckets (
  board_id TEXT NOT NULL,
  level SMALLINT NOT NULL,
  bucket ${bigint} NOT NULL,
  n ${bigint} NOT NULL,
  PRIMARY KEY (board_id, level, bucket)
);
CREATE TABLE achievements (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  hidden SMALLINT NOT NULL,
  target DOUBLE PRECISION,
  server_only SMALLINT NOT NULL
);
CREATE TABLE achievement_progress (
  user_id TEXT NOT NULL,
  achievement_id TEXT NOT NULL,
  progress DOUBLE PRECISION NOT NULL,
  unlocked_at ${bigint},
  PRIMARY KEY (user_id, achievement_id)
);
CREATE TABLE saves (
  user_id TEXT NOT NULL,
  slot TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  data ${blob} NOT NULL,
  size INTEGER NOT NULL,
  version INTEGER NOT NULL,
  updated_at ${bigint} NOT NULL,
  PRIMARY KEY (user_id, slot)
);
CREATE TABLE lobbies (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL,
  access TEXT NOT NULL,
  max_participants INTEGER NOT NULL,
  member_count INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  state TEXT NOT NULL,
  server_id TEXT,
  created_at ${bigint} NOT NULL
);
CREATE INDEX lobbies_open ON lobbies (state, access, created_at);
CREATE TABLE lobby_members (
  lobby_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  metadata TEXT NOT NULL,
  joined_at ${bigint} NOT NULL,
  join_seq ${bigint} NOT NULL,
  PRIMARY KEY (lobby_id, user_id)
);
CREATE INDEX lobby_members_user ON lobby_members (user_id);
CREATE TABLE lobby_invites (
  lobby_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at ${bigint} NOT NULL,
  PRIMARY KEY (lobby_id, user_id)
);
CREATE INDEX lobby_invites_user ON lobby_invites (user_id);
CREATE TABLE game_servers (
  id TEXT PRIMARY KEY,
  addresses TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  players INTEGER NOT NULL,
  metadata TEXT NOT NULL,
  last_heartbeat ${bigint} NOT NULL
);
`;

/** The first schema. */
export const initial: Migration = {
  version: 1,
  name: "initial",
  sqlite: common("BLOB", "INTEGER"),
  // Sequences order score ties and lobby joins across every process sharing the database.
  postgres: `${common("BYTEA", "BIGINT")}
CREATE SEQUENCE score_seq;
CREATE SEQUENCE join_seq;
`,
};
