/**
 * The `Store`: everything the online services persist, behind one async interface with two
 * implementations that pass one contract suite — SQLite (embedded default, one process owns the
 * file) and PostgreSQL (several service processes share one database). Both live under
 * `services/node/store`. Every write is durable once its promise resolves; concurrent writes are
 * group-committed. Expected refusals throw the typed errors of `./errors`.
 */
import type {
  AchievementDefinition,
  AchievementProgress,
  AchievementUpdate,
  BoardDefinition,
  FriendRecord,
  GameServerRecord,
  GameServerRegistration,
  LeaveResult,
  LobbyCreate,
  LobbyRecord,
  MetadataPatch,
  SaveMeta,
  SaveRecord,
  SaveWrite,
  ScoreRecord,
  SessionRecord,
  SubmitResult,
  UserRecord,
} from "./records";
import type { LobbyFilter } from "../api";

/** Which implementation a store is. */
export type StoreKind = "sqlite" | "postgres";

/** Persistent state of the online services. All methods are safe to call concurrently. */
export interface Store {
  readonly kind: StoreKind;

  // Users ------------------------------------------------------------------------------------
  /** Creates a guest bound to `deviceId`; ConflictError `username_taken` if the device has one. */
  createGuest(deviceId: string, displayName: string, nowMs: number): Promise<UserRecord>;
  /** Creates a password account; ConflictError `username_taken` (case-insensitive). */
  createUser(username: string, passwordHash: string, displayName: string, nowMs: number): Promise<UserRecord>;
  getUser(userId: string): Promise<UserRecord | undefined>;
  /** Case-insensitive exact match. */
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  findUserByDevice(deviceId: string): Promise<UserRecord | undefined>;
  /**
   * Gives an account without credentials (a guest) a username and password hash, keeping its id
   * and everything tied to it. ConflictError `username_taken` (case-insensitive, also when the
   * user already has a username); NotFoundError `user`.
   */
  attachCredentials(userId: string, username: string, passwordHash: string): Promise<UserRecord>;
  /** Sets the display name; NotFoundError `user`. */
  setDisplayName(userId: string, displayName: string): Promise<UserRecord>;

  // Sessions (refresh tokens) ------------------------------------------------------------------
  /** Records a session with an id the server chose (e.g. a random refresh-token id). */
  createSession(
    sessionId: string,
    userId: string,
    expiresAtMs: number,
    nowMs: number,
  ): Promise<SessionRecord>;
  /** The session, revoked or expired ones included (the caller checks `revoked`/`expiresAtMs`). */
  getSession(sessionId: string): Promise<SessionRecord | undefined>;
  /** Revokes one session; false if it did not exist or was already revoked (so a rotation wins once). */
  revokeSession(sessionId: string): Promise<boolean>;
  /** Revokes every session of a user; returns how many were live. */
  revokeUserSessions(userId: string): Promise<number>;
  /** Deletes sessions that expired before `nowMs`; returns how many. */
  pruneSessions(nowMs: number): Promise<number>;

  // Friends ------------------------------------------------------------------------------------
  /**
   * `userId` asks `friendId`: creates an outgoing request, or accepts at once if `friendId` had
   * asked first. ConflictError `already_friends`; NotFoundError `user` for an unknown friend.
   * Returns the relation as `userId` sees it.
   */
  requestFriend(userId: string, friendId: string, nowMs: number): Promise<FriendRecord>;
  /** Accepts an incoming request; NotFoundError `friend` if there is none. */
  acceptFriend(userId: string, friendId: string, nowMs: number): Promise<FriendRecord>;
  /** Removes a friend or a request in either direction; false if there was no relation. */
  removeFriend(userId: string, friendId: string): Promise<boolean>;
  /** Friends and requests both ways, oldest first. */
  listFriends(userId: string): Promise<FriendRecord[]>;
  /** True when the two are (accepted) friends. */
  areFriends(userId: string, otherId: string): Promise<boolean>;

  // Leaderboards --------------------------------------------------------------------------------
  /** Creates or updates a board; changing `sort` or `rule` of an existing board throws InvalidError. */
  defineBoard(board: BoardDefinition): Promise<void>;
  getBoard(boardId: string): Promise<BoardDefinition | undefined>;
  listBoards(): Promise<BoardDefinition[]>;
  /**
   * Applies the board's update rule to `score` (a safe integer within [min, max], else
   * InvalidError; NotFoundError `board`) and returns the stored entry with its rank.
   */
  submitScore(boardId: string, userId: string, score: number, nowMs: number): Promise<SubmitResult>;
  /** The user's entry with its rank, or undefined. */
  getScore(boardId: string, userId: string): Promise<ScoreRecord | undefined>;
  /** Ranks `from + 1 .. from + count`, best first. */
  getTop(boardId: string, from: number, count: number): Promise<ScoreRecord[]>;
  /** Up to `count` entries centred on the user (empty if the user has no score). */
  getAround(boardId: string, userId: string, count: number): Promise<ScoreRecord[]>;
  /** Entries of the given users that have one, ranked globally, best first. */
  getScoresFor(boardId: string, userIds: readonly string[]): Promise<ScoreRecord[]>;
  /** Number of entries on the board. */
  countScores(boardId: string): Promise<number>;

  // Achievements ------------------------------------------------------------------------------
  /** Creates or replaces an achievement definition. */
  defineAchievement(definition: AchievementDefinition): Promise<void>;
  getAchievementDefinition(id: string): Promise<AchievementDefinition | undefined>;
  listAchievementDefinitions(): Promise<AchievementDefinition[]>;
  /** The user's progress rows (only achievements with progress or an unlock). */
  getAchievementProgress(userId: string): Promise<AchievementProgress[]>;
  /**
   * Raises progress (never lowers it; reaching the target unlocks) and/or unlocks.
   * NotFoundError `achievement`; `newlyUnlocked` is true for exactly one call per user.
   */
  updateAchievement(
    userId: string,
    achievementId: string,
    change: { progress?: number; unlock?: boolean },
    nowMs: number,
  ): Promise<AchievementUpdate>;

  // Cloud saves --------------------------------------------------------------------------------
  /** Writes a slot; ConflictError `save_exists` / `version_conflict`. Returns the new metadata. */
  setSave(userId: string, slot: string, save: SaveWrite, nowMs: number): Promise<SaveMeta>;
  getSave(userId: string, slot: string): Promise<SaveRecord | undefined>;
  /** The user's slots, by slot name. */
  listSaves(userId: string): Promise<SaveMeta[]>;
  /** Deletes a slot; NotFoundError `save`; ConflictError `version_conflict` if `expectedVersion` differs. */
  deleteSave(userId: string, slot: string, expectedVersion?: number): Promise<void>;

  // Lobbies ------------------------------------------------------------------------------------
  /** Creates a lobby with its owner as first member. */
  createLobby(lobby: LobbyCreate, nowMs: number): Promise<LobbyRecord>;
  getLobby(lobbyId: string): Promise<LobbyRecord | undefined>;
  /** Lobbies the user is a member of. */
  listLobbiesOf(userId: string): Promise<LobbyRecord[]>;
  /** Patches lobby metadata; NotFoundError `lobby`. */
  updateLobbyMetadata(lobbyId: string, patch: MetadataPatch): Promise<LobbyRecord>;
  /** Patches a member's metadata; NotFoundError `lobby` / `member`. */
  updateMemberMetadata(lobbyId: string, userId: string, patch: MetadataPatch): Promise<LobbyRecord>;
  /**
   * Joins atomically: ConflictError `lobby_full` / `lobby_started`, NotFoundError `lobby`.
   * Joining a lobby one is already in returns it unchanged. Clears the user's invite to it.
   */
  joinLobby(
    lobbyId: string,
    userId: string,
    metadata: MetadataPatch["set"],
    nowMs: number,
  ): Promise<LobbyRecord>;
  /**
   * Leaves (also used for kicks): ownership passes to the longest-standing member; an empty lobby
   * is deleted. NotFoundError `lobby` / `member`.
   */
  leaveLobby(lobbyId: string, userId: string): Promise<LeaveResult>;
  /** Records an invitation (idempotent); NotFoundError `lobby` / `user`. */
  inviteToLobby(lobbyId: string, userId: string, nowMs: number): Promise<void>;
  /** True when the user holds an invitation to the lobby. */
  isInvited(lobbyId: string, userId: string): Promise<boolean>;
  /** Lobbies the user is invited to and not a member of. */
  listInvites(userId: string): Promise<LobbyRecord[]>;
  /**
   * Open lobbies `viewerId` may join that pass the filter: never private, friends-only only when
   * the viewer is the owner's friend, never ones the viewer is in. Oldest first.
   */
  findLobbies(viewerId: string, filter: LobbyFilter): Promise<LobbyRecord[]>;
  /** Marks an open lobby started on a game server at `nowMs`; ConflictError `lobby_started` if it already was. */
  startLobby(lobbyId: string, serverId: string, nowMs: number): Promise<LobbyRecord>;
  /** Deletes a lobby; false if it did not exist. */
  deleteLobby(lobbyId: string): Promise<boolean>;

  // Game servers -------------------------------------------------------------------------------
  /** Registers or re-registers a server (players reset to 0, heartbeat = now). */
  registerServer(server: GameServerRegistration, nowMs: number): Promise<GameServerRecord>;
  /** Refreshes a heartbeat with the current player count; false if unknown. */
  heartbeatServer(serverId: string, players: number, nowMs: number): Promise<boolean>;
  /** Removes a server; false if unknown. */
  removeServer(serverId: string): Promise<boolean>;
  /** Servers whose last heartbeat is at or after `aliveSinceMs`. */
  listServers(aliveSinceMs: number): Promise<GameServerRecord[]>;
  /**
   * Picks the live server with the most free room (capacity − players ≥ `seats`) and reserves
   * `seats` on it atomically (players += seats until its next heartbeat); undefined if none fits.
   */
  pickServer(aliveSinceMs: number, seats: number): Promise<GameServerRecord | undefined>;

  // Shared rate limits ------------------------------------------------------------------------
  /**
   * Takes one token from the bucket `key` (created full), shared by every process on this store;
   * resolves 0 when taken, else whole seconds until a token is back. SQLite keeps buckets in
   * memory (one process owns the file); PostgreSQL in the `rate_buckets` table.
   */
  takeRateToken(key: string, capacity: number, refillPerSecond: number, nowMs: number): Promise<number>;
  /** Deletes buckets untouched since before `beforeMs` (full again by then); returns how many. */
  pruneRateBuckets(beforeMs: number): Promise<number>;

  // Sweeping ----------------------------------------------------------------------------------
  /**
   * Deletes started lobbies (members and invites too) that started before `startedBeforeMs`, or
   * whose game server is unknown or last heartbeated before `serverAliveSinceMs`. Returns their ids.
   */
  pruneStartedLobbies(startedBeforeMs: number, serverAliveSinceMs: number): Promise<string[]>;
  /** Deletes game servers whose last heartbeat is before `aliveSinceMs`; returns their ids. */
  pruneServers(aliveSinceMs: number): Promise<string[]>;

  /** Flushes pending writes and closes the database; later calls reject. */
  close(): Promise<void>;
}
