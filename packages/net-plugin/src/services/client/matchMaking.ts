/**
 * `MatchMaking` (Traktor's `IMatchMaking`): create lobbies, find them with a {@link LobbyFilter},
 * and keep the player's lobbies and invites current from pushed events. A lobby object is tracked
 * (one object per id, updated in place) while the player is in it or invited to it; after a
 * reconnect the tracked set is reloaded, so changes missed while offline show up.
 */
import { Limits, routePath, type LobbyAccess, type LobbyInfo, type Metadata, type PushEvent } from "../api";
import { decodeLobbyConnectToken } from "./attachments";
import type { ServiceConnection } from "./connection";
import { checked, isLobbyInfo, listIn } from "./decode";
import type { ServiceEvent } from "./events";
import { Lobby, type LobbyHost } from "./lobby";
import type { LobbyFilter } from "./lobbyFilter";
import type { Result } from "./result";
import { assertInt, assertMetadata, assertOpaqueId } from "./validate";

/** Matchmaking and lobbies of the signed-in player. */
export interface MatchMaking {
  /** True while signed in: calls go out (or queue during a reconnect). */
  readonly ready: boolean;
  /** Lobbies the player is in. */
  readonly lobbies: readonly Lobby[];
  /** Lobbies the player was invited to and has not joined. */
  readonly invites: readonly Lobby[];
  /** A tracked lobby by id. */
  lobby(id: string): Lobby | undefined;
  /** Creates a lobby owned (and joined) by the player. */
  createLobby(maxParticipants: number, access: LobbyAccess, metadata?: Metadata): Result<Lobby>;
  /** Open lobbies the player may join that pass the filter. */
  findMatchingLobbies(filter: LobbyFilter): Result<Lobby[]>;
  /** One lobby the player may see, by id. */
  getLobby(id: string): Result<Lobby>;
  /** Reloads the player's lobbies and invites. */
  reload(): Result<Lobby[]>;
}

const ACCESS: readonly LobbyAccess[] = ["public", "private", "friends"];

const decodeLobbyInfo = checked(isLobbyInfo);
const decodeLobbies = listIn("lobbies", isLobbyInfo);

/** The {@link MatchMaking} service over a connection. */
export class MatchMakingClient implements MatchMaking, LobbyHost {
  private readonly tracked = new Map<string, Lobby>();
  private readonly invited = new Set<string>();

  constructor(readonly connection: ServiceConnection) {}

  get ready(): boolean {
    return this.connection.signedIn;
  }

  get lobbies(): readonly Lobby[] {
    return [...this.tracked.values()].filter((lobby) => lobby.joined);
  }

  get invites(): readonly Lobby[] {
    return [...this.invited].flatMap((id) => {
      const lobby = this.tracked.get(id);
      return lobby && !lobby.joined ? [lobby] : [];
    });
  }

  lobby(id: string): Lobby | undefined {
    return this.tracked.get(id);
  }

  userId(): string | undefined {
    return this.connection.user?.id;
  }

  createLobby(maxParticipants: number, access: LobbyAccess, metadata?: Metadata): Result<Lobby> {
    assertInt("maxParticipants", maxParticipants, 1, Limits.lobbyParticipantsMax);
    if (!ACCESS.includes(access)) {
      throw new RangeError(
        `createLobby access must be "public", "private" or "friends", got ${String(access)}.`,
      );
    }
    if (metadata) assertMetadata("lobby metadata", metadata);
    return this.connection.call({
      method: "POST",
      path: routePath("createLobby"),
      body: { maxParticipants, access, metadata },
      decode: decodeLobbyInfo,
      map: (info) => this.lobbyFor(info),
    });
  }

  findMatchingLobbies(filter: LobbyFilter): Result<Lobby[]> {
    const wire = filter.toWire();
    return this.connection.call({
      method: "POST",
      path: routePath("findMatchingLobbies"),
      body: { filter: wire },
      decode: decodeLobbies,
      map: (list) => list.map((info) => this.lobbyFor(info)),
    });
  }

  getLobby(id: string): Result<Lobby> {
    assertOpaqueId("lobby id", id);
    return this.connection.call({
      method: "GET",
      path: routePath("getLobby", { lobbyId: id }),
      decode: decodeLobbyInfo,
      map: (info) => this.lobbyFor(info),
    });
  }

  reload(): Result<Lobby[]> {
    const invites = this.connection.call({
      method: "GET",
      path: routePath("myInvites"),
      decode: decodeLobbies,
      map: (list) => {
        this.invited.clear();
        for (const info of list) this.invited.add(info.id);
        return list.map((info) => this.lobbyFor(info));
      },
    });
    void invites.promise.catch(() => undefined); // its failure is reported by the lobbies reload below
    return this.connection.call({
      method: "GET",
      path: routePath("myLobbies"),
      decode: decodeLobbies,
      map: (list) => {
        const current = new Set(list.map((info) => info.id));
        for (const [id, lobby] of this.tracked) {
          if (!current.has(id) && !this.invited.has(id)) {
            lobby.removeParticipant(this.userId() ?? "");
            this.tracked.delete(id);
          }
        }
        return list.map((info) => this.lobbyFor(info));
      },
    });
  }

  /** The lobby object for `info`: the tracked one updated in place, or a new one (tracked if relevant). */
  lobbyFor(info: LobbyInfo): Lobby {
    const existing = this.tracked.get(info.id);
    if (existing) {
      existing.update(info);
      if (!existing.joined && !this.invited.has(info.id)) this.tracked.delete(info.id);
      return existing;
    }
    const lobby = new Lobby(this, info);
    if (lobby.joined || this.invited.has(info.id)) this.tracked.set(info.id, lobby);
    return lobby;
  }

  forget(lobbyId: string): void {
    this.tracked.delete(lobbyId);
    this.invited.delete(lobbyId);
  }

  /** @internal Forgets every lobby (another player signed in). */
  reset(): void {
    this.tracked.clear();
    this.invited.clear();
  }

  /** @internal Applies a pushed lobby event; returns the event for systems, or undefined if it did not decode. */
  applyPush(event: Exclude<PushEvent, { type: "ready" }>): ServiceEvent | undefined {
    switch (event.type) {
      case "lobby.changed":
        return { type: event.type, lobby: this.lobbyFor(event.lobby) };
      case "lobby.joined":
        return { type: event.type, lobby: this.lobbyFor(event.lobby), user: event.user };
      case "lobby.left": {
        let lobby = this.tracked.get(event.lobbyId);
        if (event.lobby) lobby = this.lobbyFor(event.lobby);
        else lobby?.removeParticipant(event.userId);
        if (event.userId === this.userId()) this.forget(event.lobbyId);
        return { type: event.type, lobbyId: event.lobbyId, userId: event.userId, lobby };
      }
      case "lobby.kicked": {
        const lobby = this.tracked.get(event.lobbyId);
        lobby?.removeParticipant(this.userId() ?? "");
        this.forget(event.lobbyId);
        return { type: event.type, lobbyId: event.lobbyId, by: event.by, lobby };
      }
      case "lobby.invited":
        this.invited.add(event.lobby.id);
        return { type: event.type, lobby: this.lobbyFor(event.lobby), from: event.from };
      case "lobby.started": {
        const connectToken = decodeLobbyConnectToken(event.connectToken);
        if (!connectToken) return undefined;
        const lobby = this.tracked.get(event.lobbyId);
        lobby?.started({ server: event.server, connectToken });
        return { type: event.type, lobbyId: event.lobbyId, lobby, server: event.server, connectToken };
      }
      default:
        return undefined;
    }
  }
}
