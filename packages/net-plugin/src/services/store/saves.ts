/** Cloud-save write rule shared by both stores. */
import { ConflictError } from "./errors";
import type { SaveWrite } from "./records";

/**
 * Throws the conflict a write meets against the slot's current version (undefined = empty):
 * `save_exists` when `replace` is false and the slot is taken, `version_conflict` when
 * `expectedVersion` (0 = must be empty) differs from the current version.
 */
export function checkSaveVersion(slot: string, current: number | undefined, save: SaveWrite): void {
  if (save.expectedVersion !== undefined && save.expectedVersion !== (current ?? 0)) {
    throw new ConflictError(
      "version_conflict",
      `Slot "${slot}" is at version ${current ?? 0}, not the expected ${save.expectedVersion}.`,
    );
  }
  if (!save.replace && current !== undefined) {
    throw new ConflictError("save_exists", `Slot "${slot}" already holds a save and replace is false.`);
  }
}
