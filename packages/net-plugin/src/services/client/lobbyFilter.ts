/**
 * `LobbyFilter` (Traktor's `LobbyFilter`): what `findMatchingLobbies` searches for — free
 * `slots`, the most lobbies to return (`count`), and metadata comparisons added with
 * `addComparison(key, value, comparison)`. Numbers compare numerically, strings by code units; a
 * lobby without the key, or with a value of the other type, does not match.
 */
import {
  Limits,
  type ComparisonOp,
  type LobbyComparison,
  type LobbyFilter as LobbyFilterWire,
  type MetaValue,
} from "../api";
import { assertInt } from "./validate";

/** Comparison operators with Traktor's names (`ComparisonType`). */
export const Comparison = {
  Equal: "eq",
  NotEqual: "ne",
  Less: "lt",
  LessEqual: "le",
  Greater: "gt",
  GreaterEqual: "ge",
} as const satisfies Record<string, ComparisonOp>;

/** Most comparisons one filter may hold (the service's limit). */
const MAX_COMPARISONS = 16;

/** A lobby search filter; chain the setters or assign `slots` / `count`. */
export class LobbyFilter {
  /** Free places a lobby must have (≥ 1). */
  slots = 1;
  /** Most lobbies to return (1..100). */
  count = 10;
  private readonly comparisons: LobbyComparison[] = [];

  /** Requires `metadata[key] <comparison> value`; default comparison is Equal. */
  addComparison(key: string, value: MetaValue, comparison: ComparisonOp = Comparison.Equal): this {
    if (typeof key !== "string" || key.length === 0 || key.length > Limits.metadataKeyMax) {
      throw new RangeError(
        `LobbyFilter key must be 1–${Limits.metadataKeyMax} characters, got ${JSON.stringify(key)}.`,
      );
    }
    if (typeof value === "number" ? !Number.isFinite(value) : typeof value !== "string") {
      throw new RangeError(`LobbyFilter value for "${key}" must be a string or a finite number.`);
    }
    if (!Object.values(Comparison).includes(comparison)) {
      throw new RangeError(`LobbyFilter comparison must be one of ${Object.values(Comparison).join(", ")}.`);
    }
    if (this.comparisons.length >= MAX_COMPARISONS) {
      throw new RangeError(`A LobbyFilter holds at most ${MAX_COMPARISONS} comparisons.`);
    }
    this.comparisons.push({ key, op: comparison, value });
    return this;
  }

  /** Sets the free places a lobby must have. */
  setSlots(slots: number): this {
    this.slots = slots;
    return this;
  }

  /** Sets the most lobbies to return. */
  setCount(count: number): this {
    this.count = count;
    return this;
  }

  /** The wire form sent to the service; throws when `slots` or `count` is out of range. */
  toWire(): LobbyFilterWire {
    assertInt("LobbyFilter.slots", this.slots, 0, Limits.lobbyParticipantsMax);
    assertInt("LobbyFilter.count", this.count, 1, Limits.pageMax);
    return { slots: this.slots, count: this.count, comparisons: [...this.comparisons] };
  }
}
