/**
 * Shape checks for what the service sends (check on read): each guard returns the typed value or
 * `undefined`, never throws. The client counts what fails (`responsesInvalid`, `eventsInvalid`)
 * and turns it into an `invalid_response` error instead of trusting it.
 */
import type {
  AchievementState,
  AuthResponse,
  ConnectTokenWire,
  FriendEntry,
  GameServerInfo,
  LeaderboardInfo,
  LobbyInfo,
  LobbyParticipant,
  Metadata,
  PublicUser,
  PushEvent,
  SaveData,
  SaveInfo,
  ScoreEntry,
  UserInfo,
} from "../api";

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === "object" && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === "string";
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const isBool = (v: unknown): v is boolean => typeof v === "boolean";
const optStr = (v: unknown): boolean => v === undefined || isStr(v);
const optNum = (v: unknown): boolean => v === undefined || isNum(v);

/** An array whose every element passes `check`, else undefined. */
export function arrayOf<T>(v: unknown, check: (item: unknown) => item is T): T[] | undefined {
  return Array.isArray(v) && v.every(check) ? v : undefined;
}

/** A record field holding an array of checked items: `{ [key]: T[] }`. */
export function listIn<T>(key: string, check: (item: unknown) => item is T) {
  return (body: unknown): T[] | undefined => (isRec(body) ? arrayOf(body[key], check) : undefined);
}

export const isPublicUser = (v: unknown): v is PublicUser => isRec(v) && isStr(v.id) && isStr(v.displayName);

export const isUserInfo = (v: unknown): v is UserInfo =>
  isRec(v) &&
  isStr(v.id) &&
  isStr(v.displayName) &&
  isBool(v.guest) &&
  optStr(v.username) &&
  isNum(v.createdAt);

export const isAuthResponse = (v: unknown): v is AuthResponse =>
  isRec(v) &&
  isUserInfo(v.user) &&
  isRec(v.session) &&
  isStr(v.session.accessToken) &&
  isNum(v.session.accessExpiresAt) &&
  isStr(v.session.refreshToken) &&
  isNum(v.session.refreshExpiresAt);

export const isMetadata = (v: unknown): v is Metadata =>
  isRec(v) && Object.values(v).every((x) => isStr(x) || isNum(x));

export const isFriendEntry = (v: unknown): v is FriendEntry =>
  isRec(v) &&
  isPublicUser(v.user) &&
  (v.state === "friend" || v.state === "incoming" || v.state === "outgoing") &&
  isNum(v.since);

export const isLeaderboardInfo = (v: unknown): v is LeaderboardInfo =>
  isRec(v) &&
  isStr(v.id) &&
  (v.sort === "asc" || v.sort === "desc") &&
  (v.rule === "best" || v.rule === "latest" || v.rule === "increment") &&
  isNum(v.min) &&
  isNum(v.max) &&
  isBool(v.serverOnly);

export const isScoreEntry = (v: unknown): v is ScoreEntry =>
  isRec(v) && isNum(v.rank) && isPublicUser(v.user) && isNum(v.score) && isNum(v.updatedAt);

export const isAchievementState = (v: unknown): v is AchievementState =>
  isRec(v) &&
  isStr(v.id) &&
  isStr(v.name) &&
  isStr(v.description) &&
  isBool(v.hidden) &&
  optNum(v.target) &&
  isNum(v.progress) &&
  isBool(v.unlocked) &&
  optNum(v.unlockedAt);

export const isParticipant = (v: unknown): v is LobbyParticipant =>
  isRec(v) && isPublicUser(v.user) && isMetadata(v.metadata) && isNum(v.joinedAt);

export const isLobbyInfo = (v: unknown): v is LobbyInfo =>
  isRec(v) &&
  isStr(v.id) &&
  isStr(v.ownerId) &&
  (v.access === "public" || v.access === "private" || v.access === "friends") &&
  isNum(v.maxParticipants) &&
  arrayOf(v.participants, isParticipant) !== undefined &&
  isMetadata(v.metadata) &&
  (v.state === "open" || v.state === "started") &&
  isNum(v.createdAt);

export const isConnectToken = (v: unknown): v is ConnectTokenWire =>
  isRec(v) &&
  isStr(v.token) &&
  isStr(v.clientToServerKey) &&
  isStr(v.serverToClientKey) &&
  isStr(v.clientId) &&
  arrayOf(v.serverAddresses, isStr) !== undefined &&
  isNum(v.expiresAt);

export const isGameServer = (v: unknown): v is GameServerInfo =>
  isRec(v) &&
  isStr(v.id) &&
  arrayOf(v.addresses, isStr) !== undefined &&
  isNum(v.capacity) &&
  isNum(v.players) &&
  isMetadata(v.metadata) &&
  isNum(v.lastHeartbeatAt);

export const isSaveInfo = (v: unknown): v is SaveInfo =>
  isRec(v) &&
  isStr(v.slot) &&
  isStr(v.title) &&
  isStr(v.description) &&
  isNum(v.size) &&
  isNum(v.version) &&
  isNum(v.updatedAt);

export const isSaveData = (v: unknown): v is SaveData =>
  isSaveInfo(v) && isStr((v as unknown as Rec).attachment);

/** Passes any body (routes answering 204). */
export const acceptEmpty = (): true => true;

/** Checks one pushed WebSocket message (already JSON-parsed). */
export function isPushEvent(v: unknown): v is PushEvent {
  if (!isRec(v) || !isStr(v.type)) return false;
  switch (v.type) {
    case "ready":
      return isStr(v.userId);
    case "lobby.changed":
      return isLobbyInfo(v.lobby);
    case "lobby.joined":
      return isLobbyInfo(v.lobby) && isPublicUser(v.user);
    case "lobby.left":
      return isStr(v.lobbyId) && isStr(v.userId) && (v.lobby === undefined || isLobbyInfo(v.lobby));
    case "lobby.kicked":
      return isStr(v.lobbyId) && isStr(v.by);
    case "lobby.invited":
      return isLobbyInfo(v.lobby) && isPublicUser(v.from);
    case "lobby.started":
      return isStr(v.lobbyId) && isGameServer(v.server) && isConnectToken(v.connectToken);
    case "achievement.unlocked":
      return isAchievementState(v.achievement);
    case "friend.request":
      return isPublicUser(v.from);
    case "friend.accepted":
      return isPublicUser(v.user);
    default:
      return false;
  }
}

/** A decoder for a route whose body is `{ [key]: T }` with `T` checked by `check`. */
export function fieldOf<T>(key: string, check: (item: unknown) => item is T) {
  return (body: unknown): T | undefined => (isRec(body) && check(body[key]) ? body[key] : undefined);
}

/** A decoder that passes a value checked by `check`. */
export function checked<T>(check: (item: unknown) => item is T) {
  return (body: unknown): T | undefined => (check(body) ? body : undefined);
}
