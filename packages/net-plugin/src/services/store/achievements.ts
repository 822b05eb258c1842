/** Achievement progress rule shared by both stores. */
import { InvalidError } from "./errors";
import type { AchievementDefinition, AchievementProgress } from "./records";

/**
 * The progress after a change: progress never goes down; reaching `target` or `unlock: true`
 * unlocks; `newlyUnlocked` is true only when this change unlocked it.
 */
export function nextProgress(
  def: AchievementDefinition,
  old: AchievementProgress | undefined,
  change: { progress?: number; unlock?: boolean },
  nowMs: number,
): { progress: AchievementProgress; newlyUnlocked: boolean } {
  if (change.progress !== undefined && !(Number.isFinite(change.progress) && change.progress >= 0)) {
    throw new InvalidError(`Achievement "${def.id}": progress must be a finite number ≥ 0.`);
  }
  const progress = Math.max(old?.progress ?? 0, change.progress ?? 0);
  const reached = def.target !== undefined && progress >= def.target;
  const wasUnlocked = old?.unlockedAtMs !== undefined;
  const unlocked = wasUnlocked || change.unlock === true || reached;
  const next: AchievementProgress = {
    id: def.id,
    progress: unlocked && def.target !== undefined ? Math.max(progress, def.target) : progress,
  };
  if (unlocked) next.unlockedAtMs = old?.unlockedAtMs ?? nowMs;
  return { progress: next, newlyUnlocked: unlocked && !wasUnlocked };
}
