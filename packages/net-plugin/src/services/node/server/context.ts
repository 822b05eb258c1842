/**
 * What every route module shares: the store, the resolved config, the token signer, the push hub,
 * the clocks, the board/achievement definitions by id, and the record → wire mappings.
 */
import type {
  AchievementState,
  FriendEntry,
  GameServerInfo,
  LeaderboardInfo,
  LobbyInfo,
  PublicUser,
  SaveInfo,
  ScoreEntry,
  UserInfo,
} from "../../api";
import type {
  AchievementProgress,
  FriendRecord,
  GameServerRecord,
  LobbyRecord,
  SaveMeta,
  ScoreRecord,
  UserRecord,
} from "../../store/records";
import type { Store } from "../../store/store";
import type { AchievementConfig, LeaderboardConfig, ServicesConfig } from "./config";
import type { PushHub } from "./push";
import type { TokenSigner } from "./tokens";

/** Shared state of one services server. */
export interface ServicesContext {
  store: Store;
  config: ServicesConfig;
  signer: TokenSigner;
  push: PushHub;
  /** Wall clock, epoch milliseconds (records, token expiry). */
  nowMs: () => number;
  /** Monotonic seconds (rate limits). */
  now: () => number;
  boards: ReadonlyMap<string, LeaderboardConfig>;
  achievements: ReadonlyMap<string, AchievementConfig>;
  /** 32-byte key shared with game servers. */
  connectTokenKey: Uint8Array;
}

/** A user's public face. */
export function publicUser(user: { id: string; displayName: string }): PublicUser {
  return { id: user.id, displayName: user.displayName };
}

/** The caller's own account. */
export function userInfo(user: UserRecord): UserInfo {
  const info: UserInfo = {
    id: user.id,
    displayName: user.displayName,
    guest: user.username === undefined,
    createdAt: user.createdAtMs,
  };
  if (user.username !== undefined) info.username = user.username;
  return info;
}

/** One friends-list row. */
export function friendEntry(f: FriendRecord): FriendEntry {
  return { user: { id: f.userId, displayName: f.displayName }, state: f.state, since: f.sinceMs };
}

/** One ranked score. */
export function scoreEntry(s: ScoreRecord): ScoreEntry {
  return {
    rank: s.rank,
    user: { id: s.userId, displayName: s.displayName },
    score: s.score,
    updatedAt: s.updatedAtMs,
  };
}

/** A board's public definition. */
export function leaderboardInfo(b: LeaderboardConfig): LeaderboardInfo {
  return { id: b.id, sort: b.sort, rule: b.rule, min: b.min, max: b.max, serverOnly: b.serverOnly };
}

/** Text shown for a hidden achievement until it is unlocked. */
const HIDDEN_NAME = "Hidden achievement";

/** A user's view of one achievement (hidden and locked → masked). */
export function achievementState(
  def: AchievementConfig,
  progress: AchievementProgress | undefined,
): AchievementState {
  const unlocked = progress?.unlockedAtMs !== undefined;
  const masked = def.hidden && !unlocked;
  const state: AchievementState = {
    id: def.id,
    name: masked ? HIDDEN_NAME : def.name,
    description: masked ? "" : def.description,
    hidden: def.hidden,
    progress: progress?.progress ?? 0,
    unlocked,
  };
  if (def.target !== undefined) state.target = def.target;
  if (progress?.unlockedAtMs !== undefined) state.unlockedAt = progress.unlockedAtMs;
  return state;
}

/** A save slot's summary. */
export function saveInfo(s: SaveMeta): SaveInfo {
  return {
    slot: s.slot,
    title: s.title,
    description: s.description,
    size: s.size,
    version: s.version,
    updatedAt: s.updatedAtMs,
  };
}

/** A lobby on the wire. */
export function lobbyInfo(l: LobbyRecord): LobbyInfo {
  return {
    id: l.id,
    ownerId: l.ownerId,
    access: l.access,
    maxParticipants: l.maxParticipants,
    participants: l.members.map((m) => ({
      user: { id: m.userId, displayName: m.displayName },
      metadata: m.metadata,
      joinedAt: m.joinedAtMs,
    })),
    metadata: l.metadata,
    state: l.state,
    createdAt: l.createdAtMs,
  };
}

/** A game server on the wire. */
export function gameServerInfo(s: GameServerRecord): GameServerInfo {
  return {
    id: s.id,
    addresses: s.addresses,
    capacity: s.capacity,
    players: s.players,
    metadata: s.metadata,
    lastHeartbeatAt: s.lastHeartbeatMs,
  };
}
