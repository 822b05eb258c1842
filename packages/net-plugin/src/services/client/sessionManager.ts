/**
 * `SessionManager` (Traktor's `ISessionManager`): the ECS resource through which systems reach the
 * online services — `connected`, `user`, and the services `identity`, `leaderboards`,
 * `achievements`, `saveData`, `matchMaking`, each with `ready`. Calls return a `Result` that the
 * `ApplyServices` system (PreUpdate) completes; pushed events land in `events` at the same point.
 */
import { defineResource } from "@canopy/core";
import type { UserInfo } from "../api";
import { AchievementsClient, type Achievements } from "./achievements";
import { ServiceConnection, type ConnectionOptions, type ServicesClientStats } from "./connection";
import { assertCredentials, type Credentials } from "./credentials";
import type { ServiceEvent } from "./events";
import { IdentityClient, type Identity } from "./identity";
import { LeaderboardsClient, type Leaderboards } from "./leaderboards";
import { MatchMakingClient, type MatchMaking } from "./matchMaking";
import { SaveDataClient, type SaveData } from "./saveData";
import type { ServiceError } from "./serviceError";

/** The online session as systems see it (read it with `getResource(world, SessionManager)`). */
export interface SessionManager {
  /** True while signed in with the push channel up: calls go out at once. */
  readonly connected: boolean;
  /** The signed-in account (id, displayName, ...), or undefined. */
  readonly user: UserInfo | undefined;
  readonly identity: Identity;
  readonly leaderboards: Leaderboards;
  readonly achievements: Achievements;
  readonly saveData: SaveData;
  readonly matchMaking: MatchMaking;
  /**
   * Events applied by the latest `ApplyServices` run (PreUpdate). A system that runs once per frame
   * (any frame stage, e.g. Update) sees each event exactly once; fixed-step systems may run zero or
   * several times a frame, so copy what they need from here in a frame stage.
   */
  readonly events: readonly ServiceEvent[];
  /** Why the session stopped logging in by itself (e.g. a wrong password), or undefined. */
  readonly lastError: ServiceError | undefined;
  /** Calls waiting for the connection. */
  readonly queuedCalls: number;
  /** Counters: invalid answers and events, sessions started, reconnects. */
  readonly stats: Readonly<ServicesClientStats>;
}

/** The resource key of the {@link SessionManager}; `ServicesPlugin` inserts it. */
export const SessionManager = defineResource<SessionManager>("SessionManager");

/** Options of {@link OnlineSession}: the connection, plus credentials to log in with at start. */
export interface OnlineSessionOptions extends ConnectionOptions {
  /** Logs in at start-up with these credentials (or call `identity.login...` later). */
  credentials?: Credentials;
}

/** The implementation behind the {@link SessionManager} resource. */
export class OnlineSession implements SessionManager {
  readonly identity: IdentityClient;
  readonly leaderboards: LeaderboardsClient;
  readonly achievements: AchievementsClient;
  readonly saveData: SaveDataClient;
  readonly matchMaking: MatchMakingClient;
  private readonly connection: ServiceConnection;
  private frameEvents: ServiceEvent[] = [];
  private sessionUserId: string | undefined;
  private pendingCredentials: Credentials | undefined;

  constructor(options: OnlineSessionOptions) {
    if (options.credentials) assertCredentials(options.credentials);
    this.connection = new ServiceConnection(options);
    this.identity = new IdentityClient(this.connection);
    this.leaderboards = new LeaderboardsClient(this.connection);
    this.achievements = new AchievementsClient(this.connection);
    this.saveData = new SaveDataClient(this.connection);
    this.matchMaking = new MatchMakingClient(this.connection);
    this.pendingCredentials = options.credentials;
    this.connection.setHooks({
      onConnectedChanged: (connected, resumed, reason) => this.connectedChanged(connected, resumed, reason),
      onPush: (event) => this.push(event),
    });
  }

  get connected(): boolean {
    return this.connection.connected;
  }
  get user(): UserInfo | undefined {
    return this.connection.user;
  }
  get events(): readonly ServiceEvent[] {
    return this.frameEvents;
  }
  get lastError(): ServiceError | undefined {
    return this.connection.lastError;
  }
  get queuedCalls(): number {
    return this.connection.queuedCalls;
  }
  get stats(): Readonly<ServicesClientStats> {
    return this.connection.stats;
  }

  /**
   * Applies finished I/O and advances timers; the `ApplyServices` system calls it once per frame
   * with the app clock's time (seconds). Clears the previous frame's events first.
   */
  update(now: number): void {
    this.frameEvents = [];
    if (this.pendingCredentials) {
      const credentials = this.pendingCredentials;
      this.pendingCredentials = undefined;
      void this.connection.login(credentials).promise.catch(() => undefined); // reported via lastError/events
    }
    this.connection.inbox.drain();
    this.connection.poll(now);
  }

  /** Closes the push channel and fails queued calls (app cleanup). */
  close(): void {
    this.connection.close();
  }

  private connectedChanged(connected: boolean, resumed: boolean, reason: string): void {
    if (!connected) {
      if (!this.connection.signedIn && this.connection.user === undefined) {
        // Logged out: forget the player's cached achievements and lobbies.
        this.sessionUserId = undefined;
        this.achievements.reset();
        this.matchMaking.reset();
      }
      this.frameEvents.push({ type: "disconnected", reason });
      return;
    }
    const userId = this.connection.user?.id;
    if (userId !== this.sessionUserId) {
      this.sessionUserId = userId;
      this.achievements.reset();
      this.matchMaking.reset();
    }
    // Reload what pushes keep current, so anything missed while offline shows up.
    void this.achievements.reload().promise.catch(() => undefined); // failure leaves `ready` false
    if (resumed) void this.matchMaking.reload().promise.catch(() => undefined);
    this.frameEvents.push({ type: "connected", resumed });
  }

  private push(event: Parameters<MatchMakingClient["applyPush"]>[0]): void {
    switch (event.type) {
      case "achievement.unlocked":
        this.achievements.applyUnlocked(event.achievement);
        this.frameEvents.push(event);
        return;
      case "friend.request":
      case "friend.accepted":
        this.frameEvents.push(event);
        return;
      default: {
        const applied = this.matchMaking.applyPush(event);
        if (applied) this.frameEvents.push(applied);
        else this.connection.stats.eventsInvalid++;
      }
    }
  }
}
