/**
 * `Lobby` (Traktor's `ILobby`): one lobby as this player sees it. The object stays the same for a
 * lobby id while the player is a member or invited; call answers and pushed lobby events update it
 * in place inside the `ApplyServices` system, so systems can keep a reference and read it each frame.
 */
import type { IssuedConnectToken } from "../../protocol/connectToken";
import {
  routePath,
  type ConnectTokenWire,
  type GameServerInfo,
  type LobbyAccess,
  type LobbyInfo,
  type LobbyParticipant,
  type Metadata,
  type MetaValue,
  type PublicUser,
} from "../api";
import { decodeLobbyConnectToken } from "./attachments";
import type { ServiceConnection } from "./connection";
import { acceptEmpty, checked, isConnectToken, isGameServer, isLobbyInfo } from "./decode";
import type { Result } from "./result";
import { ServiceError } from "./serviceError";
import { assertMetadata, assertOpaqueId } from "./validate";

/** A started match: the game server picked for the lobby and this player's connect token for it. */
export interface MatchStart {
  readonly server: GameServerInfo;
  readonly connectToken: IssuedConnectToken;
}

/** What a lobby needs from the matchmaking service that owns it. */
export interface LobbyHost {
  readonly connection: ServiceConnection;
  /** The signed-in player's id. */
  userId(): string | undefined;
  /** The cached lobby for an answer (same object per id while tracked), updated in place. */
  lobbyFor(info: LobbyInfo): Lobby;
  /** The player left or was removed: stop tracking this lobby. */
  forget(lobbyId: string): void;
}

const isStart = (v: unknown): v is { server: GameServerInfo; connectToken: ConnectTokenWire } =>
  typeof v === "object" &&
  v !== null &&
  isGameServer((v as { server: unknown }).server) &&
  isConnectToken((v as { connectToken: unknown }).connectToken);

const decodeStart = checked(isStart);
const decodeLobbyInfo = checked(isLobbyInfo);

/** One lobby; read its fields each frame, call its methods to act on it. */
export class Lobby {
  private match: MatchStart | undefined;

  constructor(
    private readonly host: LobbyHost,
    private info: LobbyInfo,
  ) {}

  get id(): string {
    return this.info.id;
  }
  /** The owner's user id (ownership passes on when the owner leaves). */
  get ownerId(): string {
    return this.info.ownerId;
  }
  /** The owner, when they are a participant (always, while the lobby exists). */
  get owner(): PublicUser | undefined {
    return this.info.participants.find((p) => p.user.id === this.info.ownerId)?.user;
  }
  get access(): LobbyAccess {
    return this.info.access;
  }
  get maxParticipantCount(): number {
    return this.info.maxParticipants;
  }
  get participantCount(): number {
    return this.info.participants.length;
  }
  get participants(): readonly LobbyParticipant[] {
    return this.info.participants;
  }
  get metadata(): Readonly<Metadata> {
    return this.info.metadata;
  }
  /** `open`, or `started` once the owner started the match. */
  get state(): "open" | "started" {
    return this.info.state;
  }
  /** True when the signed-in player is a participant. */
  get joined(): boolean {
    const me = this.host.userId();
    return me !== undefined && this.info.participants.some((p) => p.user.id === me);
  }
  /** True when the signed-in player owns the lobby. */
  get isOwner(): boolean {
    return this.info.ownerId === this.host.userId();
  }
  /** The started match with this player's connect token, once the owner started it. */
  get matchStart(): MatchStart | undefined {
    return this.match;
  }

  /** One lobby metadata value. */
  getMetadata(key: string): MetaValue | undefined {
    return this.info.metadata[key];
  }

  /** One participant's metadata value. */
  getParticipantMetadata(userId: string, key: string): MetaValue | undefined {
    return this.info.participants.find((p) => p.user.id === userId)?.metadata[key];
  }

  /** Joins the lobby with optional participant metadata. */
  join(metadata?: Metadata): Result<Lobby> {
    if (metadata) assertMetadata("participant metadata", metadata);
    return this.post("joinLobby", metadata ? { metadata } : {});
  }

  /** Leaves the lobby (ownership passes on; an empty lobby is removed). */
  leave(): Result<void> {
    const host = this.host;
    return host.connection.call({
      method: "POST",
      path: routePath("leaveLobby", { lobbyId: this.id }),
      decode: acceptEmpty,
      map: () => {
        const me = host.userId();
        this.info = { ...this.info, participants: this.info.participants.filter((p) => p.user.id !== me) };
        host.forget(this.id);
      },
    });
  }

  /** Owner only: sets a lobby metadata key, or removes it when `value` is undefined. */
  setMetadata(key: string, value: MetaValue | undefined): Result<Lobby> {
    return this.patch("setLobbyMetadata", key, value);
  }

  /** Sets (or with undefined removes) one of the player's own participant metadata keys. */
  setParticipantMetadata(key: string, value: MetaValue | undefined): Result<Lobby> {
    return this.patch("setParticipantMetadata", key, value);
  }

  /** Invites a user, who may then see and join the lobby even when it is private. */
  invite(userId: string): Result<void> {
    assertOpaqueId("userId", userId);
    return this.host.connection.call({
      method: "POST",
      path: routePath("inviteToLobby", { lobbyId: this.id }),
      body: { userId },
      decode: acceptEmpty,
      map: (): void => undefined,
    });
  }

  /** Owner only: removes a participant. */
  kick(userId: string): Result<Lobby> {
    assertOpaqueId("userId", userId);
    return this.post("kickFromLobby", { userId });
  }

  /** Owner only: starts the match; every participant receives a connect token (`lobby.started`). */
  start(): Result<MatchStart> {
    return this.host.connection.call({
      method: "POST",
      path: routePath("startMatch", { lobbyId: this.id }),
      decode: decodeStart,
      map: (answer) => {
        const token = decodeLobbyConnectToken(answer.connectToken);
        if (!token) {
          this.host.connection.stats.responsesInvalid++;
          throw new ServiceError(
            "invalid_response",
            `lobby ${this.id} start answered a connect token that does not decode`,
          );
        }
        this.info = { ...this.info, state: "started" };
        this.match = { server: answer.server, connectToken: token };
        return this.match;
      },
    });
  }

  /** @internal Replaces the lobby's state with a newer one from the service. */
  update(info: LobbyInfo): void {
    this.info = info;
  }

  /** @internal Records the match start pushed to this player. */
  started(match: MatchStart): void {
    this.info = { ...this.info, state: "started" };
    this.match = match;
  }

  /** @internal Removes a participant locally (a push said they left and carried no lobby state). */
  removeParticipant(userId: string): void {
    this.info = { ...this.info, participants: this.info.participants.filter((p) => p.user.id !== userId) };
  }

  private post(route: "joinLobby" | "kickFromLobby", body: unknown): Result<Lobby> {
    return this.host.connection.call({
      method: "POST",
      path: routePath(route, { lobbyId: this.id }),
      body,
      decode: decodeLobbyInfo,
      map: (info) => this.host.lobbyFor(info),
    });
  }

  private patch(
    route: "setLobbyMetadata" | "setParticipantMetadata",
    key: string,
    value: MetaValue | undefined,
  ): Result<Lobby> {
    const body = value === undefined ? { remove: [key] } : { set: { [key]: value } };
    if (value !== undefined) assertMetadata("metadata", { [key]: value });
    return this.host.connection.call({
      method: "PATCH",
      path: routePath(route, { lobbyId: this.id }),
      body,
      decode: decodeLobbyInfo,
      map: (info) => this.host.lobbyFor(info),
    });
  }
}
