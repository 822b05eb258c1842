/**
 * Row → record mapping shared by the SQLite and PostgreSQL stores. Both schemas use the same column
 * names; PostgreSQL returns BIGINT as strings and SQLite as numbers, so numbers go through
 * `Number()` (every stored integer is a safe integer).
 */
import { parseMetadata } from "../../store/lobbyFilter";
import type {
  AchievementDefinition,
  AchievementProgress,
  BoardDefinition,
  GameServerRecord,
  LobbyMemberRecord,
  SaveMeta,
  SessionRecord,
  UserRecord,
} from "../../store/records";
import type { LobbyAccess, SortOrder, UpdateRule } from "../../api";

/** A database row: column name → value. */
export type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
/** A text column as a string. */
export const str = (v: unknown): string =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : JSON.stringify(v);
const opt = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : str(v));

/** `users` row. */
export function toUser(r: Row): UserRecord {
  const user: UserRecord = {
    id: str(r.id),
    displayName: str(r.display_name),
    createdAtMs: num(r.created_at),
  };
  const username = opt(r.username);
  const deviceId = opt(r.device_id);
  const passwordHash = opt(r.password_hash);
  if (username !== undefined) user.username = username;
  if (deviceId !== undefined) user.deviceId = deviceId;
  if (passwordHash !== undefined) user.passwordHash = passwordHash;
  return user;
}

/** `sessions` row. */
export function toSession(r: Row): SessionRecord {
  return {
    id: str(r.id),
    userId: str(r.user_id),
    createdAtMs: num(r.created_at),
    expiresAtMs: num(r.expires_at),
    revoked: num(r.revoked) !== 0,
  };
}

/** `boards` row. */
export function toBoard(r: Row): BoardDefinition {
  return {
    id: str(r.id),
    sort: str(r.sort) as SortOrder,
    rule: str(r.rule) as UpdateRule,
    min: num(r.min_score),
    max: num(r.max_score),
    serverOnly: num(r.server_only) !== 0,
  };
}

/** `achievements` row. */
export function toAchievement(r: Row): AchievementDefinition {
  const def: AchievementDefinition = {
    id: str(r.id),
    name: str(r.name),
    description: str(r.description),
    hidden: num(r.hidden) !== 0,
    serverOnly: num(r.server_only) !== 0,
  };
  if (r.target !== null && r.target !== undefined) def.target = num(r.target);
  return def;
}

/** `achievement_progress` row. */
export function toProgress(r: Row): AchievementProgress {
  const p: AchievementProgress = { id: str(r.achievement_id), progress: num(r.progress) };
  if (r.unlocked_at !== null && r.unlocked_at !== undefined) p.unlockedAtMs = num(r.unlocked_at);
  return p;
}

/** `saves` row without `data`. */
export function toSaveMeta(r: Row): SaveMeta {
  return {
    slot: str(r.slot),
    title: str(r.title),
    description: str(r.description),
    size: num(r.size),
    version: num(r.version),
    updatedAtMs: num(r.updated_at),
  };
}

/** Bytes from a BLOB/BYTEA value (a Buffer in both drivers) as a plain Uint8Array view. */
export function toBytes(v: unknown): Uint8Array {
  const b = v as Uint8Array;
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** `lobby_members` row joined with `users.display_name`. */
export function toMember(r: Row): LobbyMemberRecord {
  return {
    userId: str(r.user_id),
    displayName: str(r.display_name),
    metadata: parseMetadata(str(r.metadata)),
    joinedAtMs: num(r.joined_at),
  };
}

/** `lobbies` row fields (members are added by the caller). */
export function toLobbyHead(r: Row) {
  return {
    id: str(r.id),
    ownerId: str(r.owner_id),
    access: str(r.access) as LobbyAccess,
    maxParticipants: num(r.max_participants),
    metadata: parseMetadata(str(r.metadata)),
    state: str(r.state) as "open" | "started",
    serverId: opt(r.server_id),
    createdAtMs: num(r.created_at),
  };
}

/** `game_servers` row. */
export function toServer(r: Row): GameServerRecord {
  return {
    id: str(r.id),
    addresses: (JSON.parse(str(r.addresses)) as unknown[]).map(String),
    capacity: num(r.capacity),
    players: num(r.players),
    metadata: parseMetadata(str(r.metadata)),
    lastHeartbeatMs: num(r.last_heartbeat),
  };
}
