/**
 * The online-services wire contract: every HTTP route (method, path, body, query, response), the
 * error body, the WebSocket push messages and the input limits (the data shapes are in `apiTypes.ts`,
 * re-exported here). Platform-neutral (no Node imports):
 * the Node server (`services/node/server`) implements it, the client `SessionManager` calls it.
 *
 * Conventions: JSON bodies; user requests carry `Authorization: Bearer <accessToken>`; game-server
 * requests carry `X-Canopy-Server-Key: <key>`; times are milliseconds since the Unix epoch; ids are
 * opaque strings; binary data (save attachments, connect tokens) is standard base64. Every failure
 * answers `{ error: { code, message, field? } }` with the status of its {@link ApiErrorCode}.
 */

import type {
  PublicUser,
  UserInfo,
  AuthResponse,
  FriendEntry,
  LeaderboardInfo,
  ScoreEntry,
  AchievementState,
  Metadata,
  LobbyAccess,
  LobbyInfo,
  LobbyFilter,
  ConnectTokenWire,
  GameServerInfo,
  SaveInfo,
  SaveData,
} from "./apiTypes";

export type * from "./apiTypes";

/** Prefix of every versioned route. */
export const API_PREFIX = "/v1";
/** WebSocket path for pushed events (see {@link ClientMessage} / {@link PushEvent}). */
export const EVENTS_PATH = "/v1/events";
/** Request header carrying a game server's key (server-only routes). */
export const SERVER_KEY_HEADER = "x-canopy-server-key";

/** Input limits the server enforces (400 beyond them); clients may pre-check with the same numbers. */
export const Limits = {
  /** Device ids are random per install: long enough to be unguessable. */
  deviceIdMin: 16,
  deviceIdMax: 128,
  /** Usernames: 3–32 of `[A-Za-z0-9_.-]`, unique case-insensitively. */
  usernameMin: 3,
  usernameMax: 32,
  /** Passwords: 8–256 characters (scrypt hashes any length; the cap bounds the work per request). */
  passwordMin: 8,
  passwordMax: 256,
  displayNameMin: 1,
  displayNameMax: 32,
  /** Ids of boards, achievements and save slots: 1–64 of `[A-Za-z0-9_.-]`. */
  idMax: 64,
  saveTitleMax: 128,
  saveDescriptionMax: 1024,
  /** Metadata: at most 32 keys of ≤ 32 characters, string values ≤ 256 characters. */
  metadataKeys: 32,
  metadataKeyMax: 32,
  metadataValueMax: 256,
  /** Page size for score listings and lobby searches. */
  pageMax: 100,
  /** Lobby size. */
  lobbyParticipantsMax: 64,
  /** Server addresses a game server may register. */
  serverAddressesMax: 8,
} as const;

/** Pattern for usernames. */
export const USERNAME_PATTERN = "^[A-Za-z0-9_.-]+$";
/** Pattern for board / achievement / slot / server ids. */
export const ID_PATTERN = "^[A-Za-z0-9_.-]+$";

// ---------------------------------------------------------------------------------------------
// Errors

/** Machine-readable error codes and the HTTP status each is sent with. */
export const ApiErrorStatus = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  username_taken: 409,
  save_exists: 409,
  version_conflict: 409,
  already_friends: 409,
  lobby_full: 409,
  lobby_started: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  no_server: 503,
} as const;
/** One error code. */
export type ApiErrorCode = keyof typeof ApiErrorStatus;

/** Body of every non-2xx answer. `field` names the offending input (e.g. `body.password`) for 400s. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; field?: string };
}

// ---------------------------------------------------------------------------------------------
// Routes

/** Who may call a route. */
export type RouteAuth = "none" | "user" | "server";

interface Route<B, Q, R> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  auth: RouteAuth;
  /** Success status. */
  status: 200 | 201 | 204;
  /** Type carriers only (always undefined at run time). */
  _body?: B;
  _query?: Q;
  _response?: R;
}

function route<B = undefined, Q = undefined, R = undefined>(
  method: Route<B, Q, R>["method"],
  path: string,
  auth: RouteAuth,
  status: Route<B, Q, R>["status"] = 200,
): Route<B, Q, R> {
  return { method, path: API_PREFIX + path, auth, status };
}

type Empty = undefined;

/**
 * Every route. Path parameters are `:name`; fill them with {@link routePath}. Routes with `auth:
 * "user"` answer 401 without a valid access token; `"server"` routes answer 401 without the key.
 */
export const Routes = {
  /** Health probe; `GET /health` (unversioned). */
  health: { ...route<Empty, Empty, HealthResponse>("GET", "", "none"), path: "/health" },

  // Identity
  /** Log in (creating the account on first use) as the guest bound to a device id. */
  guestLogin: route<{ deviceId: string; displayName?: string }, Empty, AuthResponse>(
    "POST",
    "/auth/guest",
    "none",
  ),
  /** Create a password account; 409 `username_taken`. */
  register: route<{ username: string; password: string; displayName?: string }, Empty, AuthResponse>(
    "POST",
    "/auth/register",
    "none",
    201,
  ),
  /**
   * Give the caller's guest account a username and password, keeping its id, scores, saves,
   * achievements, friends and lobbies; 409 `username_taken` (also when it already has one).
   */
  upgrade: route<{ username: string; password: string }, Empty, UserInfo>("POST", "/auth/upgrade", "user"),
  /** Log in with username + password; 401 on a wrong pair (no hint which part was wrong). */
  login: route<{ username: string; password: string }, Empty, AuthResponse>("POST", "/auth/login", "none"),
  /** Swap a refresh token for new tokens (the old refresh token stops working); 401 if invalid. */
  refresh: route<{ refreshToken: string }, Empty, AuthResponse>("POST", "/auth/refresh", "none"),
  /** Revoke a refresh token (log out this device). */
  logout: route<{ refreshToken: string }, Empty, Empty>("POST", "/auth/logout", "user", 204),
  /** The caller's account. */
  me: route<Empty, Empty, UserInfo>("GET", "/me", "user"),
  /** Change the caller's display name. */
  updateMe: route<{ displayName: string }, Empty, UserInfo>("PATCH", "/me", "user"),
  /** Another user's public profile; 404 if unknown. */
  getUser: route<Empty, Empty, PublicUser>("GET", "/users/:userId", "user"),
  /** Look a user up by username (exact, case-insensitive); 404 if none. */
  findUser: route<Empty, { username: string }, PublicUser>("GET", "/users", "user"),

  // Friends
  /** Friends and pending requests both ways. */
  listFriends: route<Empty, Empty, { friends: FriendEntry[] }>("GET", "/friends", "user"),
  /** Send a friend request (accepts at once if they already asked you). */
  requestFriend: route<{ userId: string }, Empty, FriendEntry>("POST", "/friends", "user"),
  /** Accept an incoming request; 404 if there is none. */
  acceptFriend: route<Empty, Empty, FriendEntry>("POST", "/friends/:userId/accept", "user"),
  /** Remove a friend, decline an incoming or cancel an outgoing request; 404 if no relation. */
  removeFriend: route<Empty, Empty, Empty>("DELETE", "/friends/:userId", "user", 204),

  // Leaderboards
  /** Every configured board. */
  listLeaderboards: route<Empty, Empty, { boards: LeaderboardInfo[] }>("GET", "/leaderboards", "user"),
  /** Submit the caller's score; 403 on `serverOnly` boards, 400 out of bounds, 429 over the per-user rate. */
  setScore: route<{ score: number }, Empty, { entry: ScoreEntry; changed: boolean }>(
    "POST",
    "/leaderboards/:board/scores",
    "user",
  ),
  /** Ranked page: ranks `from + 1 .. from + count`. */
  getGlobalScores: route<Empty, { from?: number; count?: number }, { entries: ScoreEntry[]; total: number }>(
    "GET",
    "/leaderboards/:board/scores",
    "user",
  ),
  /** `count` entries centred on the caller (empty if the caller has no score). */
  getScoresAroundMe: route<Empty, { count?: number }, { entries: ScoreEntry[] }>(
    "GET",
    "/leaderboards/:board/scores/around-me",
    "user",
  ),
  /** The caller's and their friends' scores, ranked globally, best first. */
  getFriendScores: route<Empty, Empty, { entries: ScoreEntry[] }>(
    "GET",
    "/leaderboards/:board/scores/friends",
    "user",
  ),
  /** The caller's own entry, or null. */
  getMyScore: route<Empty, Empty, { entry: ScoreEntry | null }>(
    "GET",
    "/leaderboards/:board/scores/me",
    "user",
  ),

  // Achievements
  /** Every achievement with the caller's progress (hidden locked ones masked). */
  listAchievements: route<Empty, Empty, { achievements: AchievementState[] }>("GET", "/achievements", "user"),
  /** One achievement; 404 if unknown. */
  getAchievement: route<Empty, Empty, AchievementState>("GET", "/achievements/:id", "user"),
  /**
   * Unlock (`unlocked: true`) and/or raise progress (never lowers; reaching `target` unlocks);
   * 403 on `serverOnly` achievements. A new unlock is also pushed as `achievement.unlocked`.
   */
  setAchievement: route<
    { unlocked?: boolean; progress?: number },
    Empty,
    { achievement: AchievementState; newlyUnlocked: boolean }
  >("PUT", "/achievements/:id", "user"),

  // Cloud saves
  /** The caller's slots. */
  listSaves: route<Empty, Empty, { saves: SaveInfo[] }>("GET", "/saves", "user"),
  /** One slot with its attachment; 404 if empty. */
  getSave: route<Empty, Empty, SaveData>("GET", "/saves/:slot", "user"),
  /**
   * Write a slot. `attachment` is base64 of msgpackr bytes (≤ the configured size, else 413).
   * `replace: false` answers 409 `save_exists` if the slot is taken; `expectedVersion` (the version
   * you read; 0 = must not exist) answers 409 `version_conflict` if someone wrote in between.
   */
  setSave: route<
    { title: string; description: string; attachment: string; replace: boolean; expectedVersion?: number },
    Empty,
    SaveInfo
  >("PUT", "/saves/:slot", "user"),
  /** Delete a slot; 404 if empty, 409 `version_conflict` if `expectedVersion` differs. */
  deleteSave: route<Empty, { expectedVersion?: number }, Empty>("DELETE", "/saves/:slot", "user", 204),

  // Lobbies and matchmaking
  /** Create a lobby owned by the caller (who joins it). */
  createLobby: route<
    { maxParticipants: number; access: LobbyAccess; metadata?: Metadata; participantMetadata?: Metadata },
    Empty,
    LobbyInfo
  >("POST", "/lobbies", "user", 201),
  /** Open lobbies the caller may join that pass the filter (private never; friends-only to the owner's friends). */
  findMatchingLobbies: route<{ filter: LobbyFilter }, Empty, { lobbies: LobbyInfo[] }>(
    "POST",
    "/lobbies/search",
    "user",
  ),
  /** Lobbies the caller is in. */
  myLobbies: route<Empty, Empty, { lobbies: LobbyInfo[] }>("GET", "/lobbies/mine", "user"),
  /** Lobbies the caller was invited to and has not joined. */
  myInvites: route<Empty, Empty, { lobbies: LobbyInfo[] }>("GET", "/lobbies/invites", "user"),
  /** One lobby; 404 unless public, a member, invited, or a friend of the owner (friends-only). */
  getLobby: route<Empty, Empty, LobbyInfo>("GET", "/lobbies/:lobbyId", "user"),
  /** Join; 409 `lobby_full` / `lobby_started`, 404 if not visible to the caller. */
  joinLobby: route<{ metadata?: Metadata }, Empty, LobbyInfo>("POST", "/lobbies/:lobbyId/join", "user"),
  /** Leave; ownership passes to the longest member; an empty lobby is removed. */
  leaveLobby: route<Empty, Empty, Empty>("POST", "/lobbies/:lobbyId/leave", "user", 204),
  /** Owner only: set/remove lobby metadata keys. */
  setLobbyMetadata: route<{ set?: Metadata; remove?: string[] }, Empty, LobbyInfo>(
    "PATCH",
    "/lobbies/:lobbyId/metadata",
    "user",
  ),
  /** Set/remove the caller's participant metadata. */
  setParticipantMetadata: route<{ set?: Metadata; remove?: string[] }, Empty, LobbyInfo>(
    "PATCH",
    "/lobbies/:lobbyId/participants/me/metadata",
    "user",
  ),
  /** Any member invites a user (who may then see and join it, even private). */
  inviteToLobby: route<{ userId: string }, Empty, Empty>("POST", "/lobbies/:lobbyId/invite", "user", 204),
  /** Owner only: remove a member. */
  kickFromLobby: route<{ userId: string }, Empty, LobbyInfo>("POST", "/lobbies/:lobbyId/kick", "user"),
  /**
   * Owner only: pick a live registered game server, mark the lobby started and give every
   * participant a connect token (pushed as `lobby.started`; the owner's is also in the answer).
   * 503 `no_server` if none is live.
   */
  startMatch: route<Empty, Empty, { server: GameServerInfo; connectToken: ConnectTokenWire }>(
    "POST",
    "/lobbies/:lobbyId/start",
    "user",
  ),

  // Game servers (X-Canopy-Server-Key)
  /** Register (or re-register) a game server; heartbeat every `heartbeatSeconds`. */
  registerServer: route<
    { id: string; addresses: string[]; capacity: number; metadata?: Metadata },
    Empty,
    { server: GameServerInfo; heartbeatSeconds: number }
  >("POST", "/game-servers", "server"),
  /** Keep a registration alive; 404 if it expired (register again). */
  heartbeatServer: route<{ players: number }, Empty, Empty>(
    "POST",
    "/game-servers/:serverId/heartbeat",
    "server",
    204,
  ),
  /** Unregister. */
  unregisterServer: route<Empty, Empty, Empty>("DELETE", "/game-servers/:serverId", "server", 204),
  /** A game server writes a user's score (the only way onto `serverOnly` boards). */
  serverSetScore: route<{ userId: string; score: number }, Empty, { entry: ScoreEntry; changed: boolean }>(
    "POST",
    "/game-servers/leaderboards/:board/scores",
    "server",
  ),
  /** A game server unlocks / raises progress of a user's achievement. */
  serverSetAchievement: route<
    { userId: string; unlocked?: boolean; progress?: number },
    Empty,
    { achievement: AchievementState; newlyUnlocked: boolean }
  >("PUT", "/game-servers/achievements/:id", "server"),
} as const;

/** Name of one route. */
export type RouteName = keyof typeof Routes;
/** Request body type of a route. */
export type RouteBody<N extends RouteName> = NonNullable<(typeof Routes)[N]["_body"]>;
/** Query type of a route. */
export type RouteQuery<N extends RouteName> = NonNullable<(typeof Routes)[N]["_query"]>;
/** Response type of a route (undefined for 204). */
export type RouteResponse<N extends RouteName> = Exclude<(typeof Routes)[N]["_response"], undefined>;

/** `GET /health` answer. */
export interface HealthResponse {
  version: string;
  store: "sqlite" | "postgres";
}

/** Fills `:name` parameters of a route path (URI-encoded); throws if one is missing. */
export function routePath(name: RouteName, params: Record<string, string> = {}): string {
  return Routes[name].path.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`routePath(${name}): missing parameter "${key}".`);
    return encodeURIComponent(value);
  });
}

// ---------------------------------------------------------------------------------------------
// WebSocket push channel (EVENTS_PATH)

/**
 * Client → server. The first message must be `auth` within 10 s (else close code 4401); send
 * `auth` again with a refreshed token to keep the channel past the old token's expiry.
 */
export type ClientMessage = { type: "auth"; token: string };

/** Close code when the socket is not (or no longer) authenticated. */
export const WS_CLOSE_UNAUTHORIZED = 4401;

/**
 * Server → client: `ready` answers `auth`; the rest are pushed events. Lobby events go to every
 * member of the lobby, the caller of the change included; `lobby.kicked` goes to the kicked user,
 * `lobby.invited` to the invitee. Events are not queued for users without an open socket.
 */
export type PushEvent =
  | { type: "ready"; userId: string }
  | { type: "lobby.changed"; lobby: LobbyInfo }
  | { type: "lobby.joined"; lobby: LobbyInfo; user: PublicUser }
  | { type: "lobby.left"; lobbyId: string; userId: string; lobby?: LobbyInfo }
  | { type: "lobby.kicked"; lobbyId: string; by: string }
  | { type: "lobby.invited"; lobby: LobbyInfo; from: PublicUser }
  | { type: "lobby.started"; lobbyId: string; server: GameServerInfo; connectToken: ConnectTokenWire }
  | { type: "achievement.unlocked"; achievement: AchievementState }
  | { type: "friend.request"; from: PublicUser }
  | { type: "friend.accepted"; user: PublicUser };
/** Type tag of one push event. */
export type PushEventType = PushEvent["type"];
