/**
 * Fitting a snapshot into a bit budget: a quick upper bound, exact per-candidate costs, the exact
 * size of the current selection, and the selection by priority (highest first; the rest wait).
 */
import { expGolombBits } from "../../protocol/quantize";
import { popcount, TICK_K, type EncodePlan } from "./encodePlan";
import { columnFieldBits, columnHeaderBits, EXCEPTION_WIDTH_BITS, WIDTH_BITS } from "./columns";
import { fieldDeltaBits, K_BITS } from "./fieldDelta";
import { chooseIdK, ID_K_BITS } from "./idList";
import { REFERENCE_AGE_BITS } from "./predict";
import type { SnapshotState } from "./snapshotState";
import { sortByPriority } from "./sortByPriority";

/** Longest Exp-Golomb code this codec writes (values < 2^31, k ≤ 15), plus a quat flag bit. */
const CODE_BOUND = 64;

/** Estimated id-coding bits per entity while selecting under a budget (exact total checked after). */
const ID_ESTIMATE_BITS = 12;

/** A quick upper bound of the snapshot's bits (every code at its longest), to skip exact costs. */
export function upperBound(p: EncodePlan, current: SnapshotState): number {
  let bits =
    16 + 64 + 1 + 17 + REFERENCE_AGE_BITS + 3 * (CODE_BOUND + ID_K_BITS) + 1 + K_BITS * p.codedGroups;
  // Each column's width, exception count and exception width (a column value: ≤ 31 + 31 bits).
  bits += p.layout.columns * (WIDTH_BITS + CODE_BOUND + EXCEPTION_WIDTH_BITS);
  bits += p.despawnCount * CODE_BOUND;
  for (let i = 0; i < p.spawnCount; i++) bits += CODE_BOUND + (p.cost[p.spawnIds[i] as number] as number);
  bits += p.updateCount * (CODE_BOUND + p.fields.length + current.stride * CODE_BOUND);
  return bits;
}

/**
 * Bits of every update candidate's data (ids excluded), for budgeting: its column values at the
 * widths chosen from all candidates (an exception at the position bits of the full column).
 */
export function costUpdates(
  p: EncodePlan,
  current: SnapshotState,
  baseline: SnapshotState | undefined,
): void {
  if (baseline === undefined) return;
  const stride = current.stride;
  const cur = current.values;
  const colBase = p.layout.colBase;
  const slotBits = p.codecPlan.slotBits;
  for (let i = 0; i < p.updateCount; i++) {
    const id = p.updateIds[i] as number;
    const mask = current.mask[id] as number;
    const changed = p.changedMask[id] as number;
    let bits = popcount(mask) > 1 ? popcount(mask) : 0;
    const row = id * stride;
    for (const f of p.fields) {
      if ((changed & (1 << f.index)) === 0) continue;
      const o = row + f.offset;
      const col = colBase[f.index] as number;
      if (col < 0) {
        bits += fieldDeltaBits(f.template, cur, o, p.deltaBase, o, p.ks, p.groupBase[f.index] as number);
        continue;
      }
      bits += columnFieldBits(p.layout, p.columns, slotBits, f.index, cur, p.deltaBase, row);
    }
    p.cost[id] = bits;
  }
}

/**
 * Bits of the snapshot with the current selection: exact when every candidate is selected; for a
 * subset an upper bound (the columns' fields and exception positions are priced for all of them).
 */
export function measure(p: EncodePlan, tick: number, baseline: SnapshotState | undefined): number {
  let bits = 16 + expGolombBits(tick, TICK_K) + 1 + (baseline ? 17 : 0);
  if (p.reference !== undefined) bits += REFERENCE_AGE_BITS;
  bits += expGolombBits(p.despawnCount, 0);
  if (p.despawnCount > 0)
    bits += ID_K_BITS + Math.floor(chooseIdK(p.despawnIds, p.despawnCount, undefined) / 8);
  let spawns = 0;
  let respawns = 0;
  for (let i = 0; i < p.spawnCount; i++) {
    const id = p.spawnIds[i] as number;
    if (p.selected[id] !== 1) continue;
    spawns++;
    respawns += p.respawn[id] as number;
    bits += p.cost[id] as number;
  }
  bits += expGolombBits(spawns, 0);
  if (spawns > 0) bits += ID_K_BITS + Math.floor(chooseIdK(p.spawnIds, p.spawnCount, p.selected) / 8);
  let updates = 0;
  for (let i = 0; i < p.updateCount; i++) {
    const id = p.updateIds[i] as number;
    if (p.selected[id] !== 1) continue;
    updates++;
    bits += p.cost[id] as number;
  }
  bits += expGolombBits(updates, 0);
  if (updates > 0) {
    const bitmap = p.baselineCount - p.despawnCount - respawns;
    // A list costs at least ID_K_BITS + 1 bit per id (see SnapshotEncoder.write).
    const list =
      bitmap < ID_K_BITS + updates
        ? bitmap
        : ID_K_BITS + Math.floor(chooseIdK(p.updateIds, p.updateCount, p.selected) / 8);
    bits += 1 + K_BITS * p.layout.headerGroups.length + Math.min(list, bitmap);
    bits += columnHeaderBits(p.columns);
  }
  return bits;
}

/** Keeps the highest-priority candidates that fit `budget` bits; the others wait. */
export function fitBudget(
  p: EncodePlan,

  tick: number,
  priority: Float32Array | Float64Array | undefined,
  baseline: SnapshotState | undefined,
  budget: number,
): void {
  let n = 0;
  for (let i = 0; i < p.spawnCount; i++) p.order[n++] = p.spawnIds[i] as number;
  for (let i = 0; i < p.updateCount; i++) p.order[n++] = p.updateIds[i] as number;
  if (priority !== undefined) {
    sortByPriority(p.order, n, priority);
  }
  for (let i = 0; i < n; i++) p.selected[p.order[i] as number] = 0;
  let used = measure(p, tick, baseline);
  let last = -1;
  for (let i = 0; i < n; i++) {
    const id = p.order[i] as number;
    const c = (p.cost[id] as number) + ID_ESTIMATE_BITS;
    if (used + c > budget) continue;
    used += c;
    p.selected[id] = 1;
    last = i;
  }
  let total = measure(p, tick, baseline);
  while (total > budget && last >= 0) {
    let excess = total - budget;
    for (; last >= 0 && excess > 0; last--) {
      const id = p.order[last] as number;
      if (p.selected[id] !== 1) continue;
      p.selected[id] = 0;
      excess -= p.cost[id] as number;
    }
    total = measure(p, tick, baseline);
  }
  // Top up: the per-id estimate is conservative, so offer the skipped ones the exact slack.
  for (let round = 0; round < 2 && total < budget; round++) {
    let slack = budget - total;
    let added = false;
    for (let i = 0; i < n; i++) {
      const id = p.order[i] as number;
      if (p.selected[id] === 1) continue;
      const c = (p.cost[id] as number) + ID_ESTIMATE_BITS;
      if (c > slack) continue;
      p.selected[id] = 1;
      slack -= c;
      added = true;
    }
    if (!added) break;
    total = measure(p, tick, baseline);
    for (let i = n - 1; i >= 0 && total > budget; i--) {
      const id = p.order[i] as number;
      if (p.selected[id] !== 1) continue;
      p.selected[id] = 0;
      total = measure(p, tick, baseline);
    }
  }
}
