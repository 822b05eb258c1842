/**
 * Events the services client hands to systems: the connection going up or down, and every event
 * the service pushed (lobby changes, invites, match starts, achievement unlocks, friend requests),
 * with lobbies resolved to their {@link Lobby} objects and connect tokens decoded.
 */
import type { IssuedConnectToken } from "../../protocol/connectToken";
import type { AchievementState, GameServerInfo, PublicUser } from "../api";
import type { Lobby } from "./lobby";

/** One event, applied by the `ApplyServices` system; read them from `SessionManager.events`. */
export type ServiceEvent =
  /** The session and push channel are up; `resumed` after a reconnect (caches were reloaded). */
  | { readonly type: "connected"; readonly resumed: boolean }
  /** The push channel or session was lost; calls queue until `connected` again. */
  | { readonly type: "disconnected"; readonly reason: string }
  | { readonly type: "lobby.changed"; readonly lobby: Lobby }
  | { readonly type: "lobby.joined"; readonly lobby: Lobby; readonly user: PublicUser }
  | {
      readonly type: "lobby.left";
      readonly lobbyId: string;
      readonly userId: string;
      readonly lobby: Lobby | undefined;
    }
  /** The player was kicked by `by` (the owner). */
  | {
      readonly type: "lobby.kicked";
      readonly lobbyId: string;
      readonly by: string;
      readonly lobby: Lobby | undefined;
    }
  | { readonly type: "lobby.invited"; readonly lobby: Lobby; readonly from: PublicUser }
  /** The owner started the match: connect to `server` with `connectToken`. */
  | {
      readonly type: "lobby.started";
      readonly lobbyId: string;
      readonly lobby: Lobby | undefined;
      readonly server: GameServerInfo;
      readonly connectToken: IssuedConnectToken;
    }
  | { readonly type: "achievement.unlocked"; readonly achievement: AchievementState }
  | { readonly type: "friend.request"; readonly from: PublicUser }
  | { readonly type: "friend.accepted"; readonly user: PublicUser };

/** The type tag of a {@link ServiceEvent}. */
export type ServiceEventType = ServiceEvent["type"];
