/**
 * Lobby search helpers shared by both stores: SQL narrows by access, state and free slots; the
 * metadata comparisons of a {@link LobbyFilter} run here, on the decoded metadata.
 */
import type { LobbyComparison, LobbyFilter, Metadata } from "../api";
import { Limits } from "../api";

/** Default free places a searcher needs. */
export const DEFAULT_SLOTS = 1;
/** Default page size of a search. */
export const DEFAULT_COUNT = 10;

/** True when every comparison holds; a missing key or a type mismatch fails the comparison. */
export function matchesComparisons(metadata: Metadata, comparisons: readonly LobbyComparison[]): boolean {
  for (const c of comparisons) {
    const value = metadata[c.key];
    if (value === undefined || typeof value !== typeof c.value) return false;
    const order = value < c.value ? -1 : value > c.value ? 1 : 0;
    let ok: boolean;
    switch (c.op) {
      case "eq":
        ok = order === 0;
        break;
      case "ne":
        ok = order !== 0;
        break;
      case "lt":
        ok = order < 0;
        break;
      case "le":
        ok = order <= 0;
        break;
      case "gt":
        ok = order > 0;
        break;
      case "ge":
        ok = order >= 0;
        break;
    }
    if (!ok) return false;
  }
  return true;
}

/** The filter with defaults applied and `count` clamped to the page limit. */
export function normalizeFilter(filter: LobbyFilter): Required<LobbyFilter> {
  return {
    slots: Math.max(0, filter.slots ?? DEFAULT_SLOTS),
    count: Math.min(Limits.pageMax, Math.max(0, filter.count ?? DEFAULT_COUNT)),
    comparisons: filter.comparisons ?? [],
  };
}

/** Applies a metadata patch (set, then remove) to a copy of `metadata`. */
export function patchMetadata(
  metadata: Metadata,
  patch: { set?: Metadata; remove?: string[] } | undefined,
): Metadata {
  const next: Metadata = { ...metadata };
  if (patch?.set) for (const [k, v] of Object.entries(patch.set)) next[k] = v;
  if (patch?.remove) for (const k of patch.remove) delete next[k];
  return next;
}

/** Parses stored metadata JSON; anything but a flat object of strings/numbers becomes `{}`. */
export function parseMetadata(json: string): Metadata {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return {};
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const out: Metadata = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === "string" || typeof v === "number") out[k] = v;
  }
  return out;
}

/** SQL operator of each comparison (only for exact pre-filtering; see {@link sqlPushdown}). */
export const SQL_OPERATORS = { eq: "=", ne: "<>", lt: "<", le: "<=", gt: ">", ge: ">=" } as const;

/**
 * The comparisons a database can pre-filter with the same result as {@link matchesComparisons}:
 * number comparisons and string (in)equality, on keys safe to put in a JSON path. String ordering
 * stays in TS (databases and JS order some characters differently). TS re-checks every row anyway.
 */
export function sqlPushdown(comparisons: readonly LobbyComparison[]): LobbyComparison[] {
  return comparisons.filter(
    (c) => /^[A-Za-z0-9_.-]+$/.test(c.key) && (typeof c.value === "number" || c.op === "eq" || c.op === "ne"),
  );
}
