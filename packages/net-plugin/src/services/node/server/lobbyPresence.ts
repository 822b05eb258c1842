/**
 * Lobby members who went away: when a user's last push socket closes and no socket of theirs comes
 * back within `lobbies.offlineLeaveSeconds` (on this process, or — through the PostgreSQL relay — on
 * another), they leave every open lobby they were in, as if they had called `leave` (ownership
 * passes on, empty lobbies are removed, members are told). Users who never open a push socket are
 * not tracked. Started lobbies are left alone: the match is running on a game server.
 */
import type { ServicesContext } from "./context";
import { lobbyInfo } from "./context";

/** Schedules and cancels the departure of offline users. */
export class LobbyPresence {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Users removed from lobbies for being offline, and lobbies they left. */
  readonly stats = { users: 0, lobbiesLeft: 0, errors: 0 };

  constructor(
    private readonly ctx: ServicesContext,
    private readonly graceSeconds: number,
    /** Tells other processes a user is online (cancels their timers). */
    private readonly announce: (userId: string) => void = () => {},
  ) {}

  /** A push socket of `userId` authenticated here. */
  online(userId: string): void {
    this.cancel(userId);
    this.announce(userId);
  }

  /** `userId` came online elsewhere. */
  cancel(userId: string): void {
    const timer = this.timers.get(userId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(userId);
  }

  /** The last push socket of `userId` closed here. */
  offline(userId: string): void {
    if (this.graceSeconds <= 0) return;
    this.cancel(userId);
    const timer = setTimeout(() => {
      this.timers.delete(userId);
      this.leaveAll(userId).catch(() => {
        this.stats.errors++;
      });
    }, this.graceSeconds * 1000);
    timer.unref();
    this.timers.set(userId, timer);
  }

  /** Stops every pending timer. */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async leaveAll(userId: string): Promise<void> {
    const { store, push } = this.ctx;
    let left = 0;
    for (const lobby of await store.listLobbiesOf(userId)) {
      if (lobby.state !== "open") continue;
      const result = await store.leaveLobby(lobby.id, userId);
      left++;
      if (result.lobby !== undefined) {
        push.publish(
          result.lobby.members.map((m) => m.userId),
          { type: "lobby.left", lobbyId: lobby.id, userId, lobby: lobbyInfo(result.lobby) },
        );
      }
    }
    if (left > 0) this.stats.users++;
    this.stats.lobbiesLeft += left;
  }
}
