/**
 * The Store split into the parts each SQL implementation file provides (users, scores, saves and
 * achievements, lobbies and game servers); `pgStore.ts` and `sqliteStore.ts` put the parts together.
 */
import type { Store } from "../../store/store";

/** Lobbies, invitations and game servers. */
export type LobbyStore = Pick<
  Store,
  | "createLobby"
  | "getLobby"
  | "listLobbiesOf"
  | "updateLobbyMetadata"
  | "updateMemberMetadata"
  | "joinLobby"
  | "leaveLobby"
  | "inviteToLobby"
  | "isInvited"
  | "listInvites"
  | "findLobbies"
  | "startLobby"
  | "deleteLobby"
  | "registerServer"
  | "heartbeatServer"
  | "removeServer"
  | "listServers"
  | "pickServer"
>;

/** Achievements and cloud saves. */
export type SaveStore = Pick<
  Store,
  | "defineAchievement"
  | "getAchievementDefinition"
  | "listAchievementDefinitions"
  | "getAchievementProgress"
  | "updateAchievement"
  | "setSave"
  | "getSave"
  | "listSaves"
  | "deleteSave"
>;

/** Leaderboards. */
export type ScoreStore = Pick<
  Store,
  | "defineBoard"
  | "getBoard"
  | "listBoards"
  | "submitScore"
  | "getScore"
  | "getTop"
  | "getAround"
  | "getScoresFor"
  | "countScores"
>;

/** Users, sessions and friends. */
export type UserStore = Pick<
  Store,
  | "createGuest"
  | "createUser"
  | "getUser"
  | "findUserByUsername"
  | "findUserByDevice"
  | "attachCredentials"
  | "setDisplayName"
  | "createSession"
  | "getSession"
  | "revokeSession"
  | "revokeUserSessions"
  | "pruneSessions"
  | "requestFriend"
  | "acceptFriend"
  | "removeFriend"
  | "listFriends"
  | "areFriends"
>;
