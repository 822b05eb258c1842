/**
 * Score rules shared by both stores: validation against a board and the update rules.
 */
import { InvalidError } from "./errors";
import type { BoardDefinition } from "./records";

/** Throws InvalidError unless `score` is a safe integer within the board's bounds. */
export function checkScore(board: BoardDefinition, score: number): void {
  if (!Number.isSafeInteger(score)) {
    throw new InvalidError(`Score ${score} for board "${board.id}" must be a safe integer.`);
  }
  if (score < board.min || score > board.max) {
    throw new InvalidError(
      `Score ${score} is outside board "${board.id}" bounds [${board.min}, ${board.max}].`,
    );
  }
}

/** The score to store after applying the board's rule, or undefined when the old one stays. */
export function applyRule(
  board: BoardDefinition,
  previous: number | undefined,
  score: number,
): number | undefined {
  if (previous === undefined) return score;
  switch (board.rule) {
    case "latest":
      return score === previous ? undefined : score;
    case "increment": {
      const sum = previous + score;
      if (!Number.isSafeInteger(sum))
        throw new InvalidError(`Board "${board.id}": the total left the safe range.`);
      return score === 0 ? undefined : sum;
    }
    case "best":
      return (board.sort === "desc" ? score > previous : score < previous) ? score : undefined;
  }
}

/** Sort key: ascending key order is rank order. */
export function rankKey(board: BoardDefinition, score: number): number {
  return board.sort === "desc" ? -score : score;
}

/** Throws InvalidError for a malformed board definition. */
export function checkBoard(board: BoardDefinition): void {
  if (!Number.isSafeInteger(board.min) || !Number.isSafeInteger(board.max) || board.min > board.max) {
    throw new InvalidError(`Board "${board.id}": min/max must be safe integers with min ≤ max.`);
  }
}
