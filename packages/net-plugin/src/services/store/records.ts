/**
 * Records the {@link Store} reads and writes. Times are milliseconds since the Unix epoch (passed in
 * by the caller, never read from a clock here); ids are opaque strings; binary data is `Uint8Array`.
 * Names and enums match the wire contract in `../api` so the server maps them one to one.
 */
import type { FriendState, LobbyAccess, Metadata, MetaValue, SortOrder, UpdateRule } from "../api";

/** A user account: a guest (bound to a device id) or a password account (username + hash). */
export interface UserRecord {
  id: string;
  displayName: string;
  /** As registered; unique case-insensitively. Undefined for guests. */
  username?: string;
  /** Guests only. */
  deviceId?: string;
  /** The scrypt/argon2 hash string the server computed; never the password. Undefined for guests. */
  passwordHash?: string;
  createdAtMs: number;
}

/** A server-side session (one refresh token), so logging out or rotating revokes it everywhere. */
export interface SessionRecord {
  id: string;
  userId: string;
  createdAtMs: number;
  expiresAtMs: number;
  revoked: boolean;
}

/** One side of a friendship as seen by `userId`. */
export interface FriendRecord {
  userId: string;
  displayName: string;
  state: FriendState;
  sinceMs: number;
}

/** A leaderboard's configuration. `min`/`max` bound every submitted score (inclusive). */
export interface BoardDefinition {
  id: string;
  sort: SortOrder;
  rule: UpdateRule;
  min: number;
  max: number;
  /** Only game servers may write it (the server enforces; the store only keeps the flag). */
  serverOnly: boolean;
}

/** One ranked score. `rank` is 1-based; equal scores rank by who reached the score first. */
export interface ScoreRecord {
  rank: number;
  userId: string;
  displayName: string;
  score: number;
  updatedAtMs: number;
}

/** Result of {@link Store.submitScore}: the stored entry after the update rule ran. */
export interface SubmitResult {
  entry: ScoreRecord;
  /** False when the rule kept the old score (e.g. `best` and the new one was worse). */
  changed: boolean;
}

/** An achievement's definition. `target` set = progress achievement (unlocks at progress ≥ target). */
export interface AchievementDefinition {
  id: string;
  name: string;
  description: string;
  hidden: boolean;
  target?: number;
  /** Only game servers may set it (kept for the server to enforce). */
  serverOnly: boolean;
}

/** A user's progress on one achievement. */
export interface AchievementProgress {
  id: string;
  progress: number;
  /** Undefined while locked. */
  unlockedAtMs?: number;
}

/** Result of {@link Store.updateAchievement}. */
export interface AchievementUpdate {
  progress: AchievementProgress;
  /** True only for the call that unlocked it. */
  newlyUnlocked: boolean;
}

/** A save slot without its attachment. `version` starts at 1 and grows by 1 on each write. */
export interface SaveMeta {
  slot: string;
  title: string;
  description: string;
  /** Attachment size in bytes. */
  size: number;
  version: number;
  updatedAtMs: number;
}

/** A save slot with its attachment bytes. */
export interface SaveRecord extends SaveMeta {
  data: Uint8Array;
}

/** What {@link Store.setSave} writes. */
export interface SaveWrite {
  title: string;
  description: string;
  data: Uint8Array;
  /** False: refuse (ConflictError `save_exists`) when the slot already holds a save. */
  replace: boolean;
  /** The version the writer read (0 = must not exist); a different current version is a conflict. */
  expectedVersion?: number;
}

/** A lobby member. */
export interface LobbyMemberRecord {
  userId: string;
  displayName: string;
  metadata: Metadata;
  joinedAtMs: number;
}

/** A lobby with its members, oldest member first. */
export interface LobbyRecord {
  id: string;
  ownerId: string;
  access: LobbyAccess;
  maxParticipants: number;
  metadata: Metadata;
  members: LobbyMemberRecord[];
  state: "open" | "started";
  /** The game server picked when the match started. */
  serverId?: string;
  createdAtMs: number;
}

/** What {@link Store.createLobby} needs. The owner joins as the first member. */
export interface LobbyCreate {
  ownerId: string;
  access: LobbyAccess;
  maxParticipants: number;
  metadata?: Metadata;
  ownerMetadata?: Metadata;
}

/** A metadata patch: keys to set, then keys to remove. */
export interface MetadataPatch {
  set?: Metadata;
  remove?: string[];
}

/** Result of {@link Store.leaveLobby}. */
export interface LeaveResult {
  /** The lobby after the leave; undefined when it became empty and was deleted. */
  lobby?: LobbyRecord;
  /** Set when the leaver owned the lobby and ownership passed to the longest-standing member. */
  newOwnerId?: string;
}

/** A registered dedicated game server. */
export interface GameServerRecord {
  id: string;
  addresses: string[];
  capacity: number;
  players: number;
  metadata: Metadata;
  lastHeartbeatMs: number;
}

/** What {@link Store.registerServer} writes. */
export interface GameServerRegistration {
  id: string;
  addresses: string[];
  capacity: number;
  metadata?: Metadata;
}

export type { FriendState, LobbyAccess, Metadata, MetaValue, SortOrder, UpdateRule };
