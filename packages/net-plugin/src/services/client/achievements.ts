/**
 * `Achievements` (Traktor's `IAchievements`): `set(id, true)` unlocks, `have(id)` and
 * `enumerate()` read a local copy that the client loads whenever the session connects (and
 * reloads after a reconnect, so unlocks missed meanwhile appear), kept current by call answers
 * and by `achievement.unlocked` pushes. `ready` is true once that copy is loaded.
 */
import { routePath, type AchievementState } from "../api";
import type { ServiceConnection } from "./connection";
import { checked, isAchievementState, listIn } from "./decode";
import type { Result } from "./result";
import { assertFinite, assertId } from "./validate";

/** What `set` and `setProgress` return. */
export interface AchievementUpdate {
  readonly achievement: AchievementState;
  /** True when this call unlocked it (it is also pushed as `achievement.unlocked`). */
  readonly newlyUnlocked: boolean;
}

/** Achievements of the signed-in player. */
export interface Achievements {
  /** True once the player's achievements are loaded for this session. */
  readonly ready: boolean;
  /** Unlocks an achievement (`unlocked` must be true: achievements never lock again). */
  set(id: string, unlocked: boolean): Result<AchievementUpdate>;
  /** Raises progress (never lowers it); reaching the target unlocks. */
  setProgress(id: string, progress: number): Result<AchievementUpdate>;
  /** True when the achievement is unlocked (from the local copy). */
  have(id: string): boolean;
  /** Ids of every achievement (from the local copy). */
  enumerate(): string[];
  /** The achievement's state (name, description, progress, target), or undefined if unknown. */
  get(id: string): AchievementState | undefined;
  /** Current progress (0 when unknown). */
  progress(id: string): number;
  /** Reloads the local copy from the service. */
  reload(): Result<AchievementState[]>;
}

const isUpdate = (v: unknown): v is AchievementUpdate =>
  typeof v === "object" &&
  v !== null &&
  isAchievementState((v as AchievementUpdate).achievement) &&
  typeof (v as AchievementUpdate).newlyUnlocked === "boolean";

const decodeAchievements = listIn("achievements", isAchievementState);
const decodeUpdate = checked(isUpdate);

/** The {@link Achievements} service over a connection. */
export class AchievementsClient implements Achievements {
  private readonly states = new Map<string, AchievementState>();
  private loaded = false;
  /** Bumped when the player changes, so a list loaded for the previous player is dropped. */
  private epoch = 0;

  constructor(private readonly connection: ServiceConnection) {}

  get ready(): boolean {
    return this.loaded && this.connection.signedIn;
  }

  set(id: string, unlocked: boolean): Result<AchievementUpdate> {
    assertId("achievement id", id);
    if (unlocked !== true) {
      throw new RangeError(
        `achievements.set("${id}", ${String(unlocked)}): achievements can only be unlocked.`,
      );
    }
    return this.write(id, { unlocked: true });
  }

  setProgress(id: string, progress: number): Result<AchievementUpdate> {
    assertId("achievement id", id);
    assertFinite("progress", progress);
    return this.write(id, { progress });
  }

  have(id: string): boolean {
    return this.states.get(id)?.unlocked ?? false;
  }

  enumerate(): string[] {
    return [...this.states.keys()];
  }

  get(id: string): AchievementState | undefined {
    return this.states.get(id);
  }

  progress(id: string): number {
    return this.states.get(id)?.progress ?? 0;
  }

  reload(): Result<AchievementState[]> {
    const epoch = this.epoch;
    return this.connection.call({
      method: "GET",
      path: routePath("listAchievements"),
      decode: decodeAchievements,
      map: (list) => {
        if (epoch === this.epoch) {
          this.states.clear();
          for (const state of list) this.states.set(state.id, state);
          this.loaded = true;
        }
        return list;
      },
    });
  }

  /** @internal Forgets the local copy (another player signed in). */
  reset(): void {
    this.epoch++;
    this.states.clear();
    this.loaded = false;
  }

  /** @internal Applies a pushed unlock. */
  applyUnlocked(state: AchievementState): void {
    this.states.set(state.id, state);
  }

  private write(id: string, body: { unlocked?: boolean; progress?: number }): Result<AchievementUpdate> {
    const epoch = this.epoch;
    return this.connection.call({
      method: "PUT",
      path: routePath("setAchievement", { id }),
      body,
      decode: decodeUpdate,
      map: (answer) => {
        if (epoch === this.epoch) this.states.set(answer.achievement.id, answer.achievement);
        return { achievement: answer.achievement, newlyUnlocked: answer.newlyUnlocked };
      },
    });
  }
}
