/**
 * The data shapes of the online-services wire contract (users, friends, scores, achievements,
 * lobbies, connect tokens, game servers, saves), shared by requests, responses and push events.
 * Re-exported by `api.ts`, which holds the routes, errors, limits and push messages.
 */

/** What anybody may see of a user. */
export interface PublicUser {
  id: string;
  displayName: string;
}

/** The signed-in user's own account. */
export interface UserInfo extends PublicUser {
  /** Undefined for guest accounts. */
  username?: string;
  guest: boolean;
  createdAt: number;
}

/** Session tokens: the access token goes in `Authorization: Bearer`; refresh before it expires. */
export interface SessionTokens {
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
}

/** Answer of every login route. */
export interface AuthResponse {
  user: UserInfo;
  session: SessionTokens;
}

/** A relation from the caller to another user. */
export type FriendState = "friend" | "incoming" | "outgoing";

/** One row of the friends list. */
export interface FriendEntry {
  user: PublicUser;
  state: FriendState;
  since: number;
}

/** Leaderboard sort order: `desc` = higher is better. */
export type SortOrder = "asc" | "desc";
/** How a new score combines with the stored one. */
export type UpdateRule = "best" | "latest" | "increment";

/** A board as configured on the server. */
export interface LeaderboardInfo {
  id: string;
  sort: SortOrder;
  rule: UpdateRule;
  min: number;
  max: number;
  /** Only game servers (server key) may write it. */
  serverOnly: boolean;
}

/** One ranked score. `rank` is 1-based (1 = best); ties share the earlier writer's order. */
export interface ScoreEntry {
  rank: number;
  user: PublicUser;
  score: number;
  updatedAt: number;
}

/** A user's view of one achievement. Hidden ones that are still locked have name/description masked. */
export interface AchievementState {
  id: string;
  name: string;
  description: string;
  hidden: boolean;
  /** Progress needed to unlock; undefined for plain on/off achievements. */
  target?: number;
  progress: number;
  unlocked: boolean;
  unlockedAt?: number;
}

/** Metadata values on lobbies and participants. */
export type MetaValue = string | number;
/** A metadata map. */
export type Metadata = Record<string, MetaValue>;

/** Who may find and join a lobby. */
export type LobbyAccess = "public" | "private" | "friends";

/** A lobby member. */
export interface LobbyParticipant {
  user: PublicUser;
  metadata: Metadata;
  joinedAt: number;
}

/** A lobby as its members (or searchers allowed to see it) see it. */
export interface LobbyInfo {
  id: string;
  ownerId: string;
  access: LobbyAccess;
  maxParticipants: number;
  participants: LobbyParticipant[];
  metadata: Metadata;
  /** `started` once the owner started the match; it then takes no new members. */
  state: "open" | "started";
  createdAt: number;
}

/** Comparison operator of a {@link LobbyComparison}. Strings compare by code units. */
export type ComparisonOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

/** One metadata test: `lobby.metadata[key] <op> value`; a missing key or a type mismatch fails. */
export interface LobbyComparison {
  key: string;
  op: ComparisonOp;
  value: MetaValue;
}

/** Search filter (Traktor's `LobbyFilter`). */
export interface LobbyFilter {
  /** Free places the lobby must have (default 1). */
  slots?: number;
  /** Most lobbies to return (default 10, max {@link Limits.pageMax}). */
  count?: number;
  /** All must hold. At most 16. */
  comparisons?: LobbyComparison[];
}

/** A connect token for one participant, ready for the Net layer's handshake (all base64). */
export interface ConnectTokenWire {
  /** The public token bytes the client sends to the game server. */
  token: string;
  clientToServerKey: string;
  serverToClientKey: string;
  /** Decimal uint64 client id carried in the token. */
  clientId: string;
  serverAddresses: string[];
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** A registered dedicated game server. */
export interface GameServerInfo {
  id: string;
  addresses: string[];
  capacity: number;
  players: number;
  metadata: Metadata;
  lastHeartbeatAt: number;
}

/** Summary of one save slot. */
export interface SaveInfo {
  slot: string;
  title: string;
  description: string;
  /** Attachment size in bytes (decoded). */
  size: number;
  /** Starts at 1, +1 on every write. */
  version: number;
  updatedAt: number;
}

/** A save with its attachment (base64 of the msgpackr bytes). */
export interface SaveData extends SaveInfo {
  attachment: string;
}
