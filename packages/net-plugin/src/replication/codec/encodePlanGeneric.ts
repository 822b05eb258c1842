/**
 * EncodePlan.collect's per-entity loop for registries without generated kernels (the reference
 * the kernels match): sorts every id below `hw` into despawn / spawn / update candidates of `p`,
 * filling its costs, changed masks, predictions, column histograms and other fields' k costs.
 * The counts start at 0 (the caller resets them and chooses the widths and ks after).
 */
import type { ReplicatedField } from "../registry";
import { accumulateKCosts, FIELD_QUAT, FIELD_SLOTS, FIELD_TRANSFORM } from "./fieldDelta";
import { canPredict, predictField, type PredictionRatio } from "./predict";
import type { SnapshotState } from "./snapshotState";
import { COLUMN_BUCKETS } from "./columns";
import type { EncodePlan } from "./encodePlan";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function is a getter call.
const accumulateKCostsLocal = accumulateKCosts;
const canPredictLocal = canPredict;
const predictFieldLocal = predictField;
const SLOTS = FIELD_SLOTS;
const QUAT = FIELD_QUAT;
const TRANSFORM = FIELD_TRANSFORM;
const COLUMN_BUCKETS_LOCAL = COLUMN_BUCKETS;

/** The generic collect of `p` (see the file comment; arguments as EncodePlan.collect derives them). */
export function collectGeneric(
  p: EncodePlan,
  current: SnapshotState,
  baseline: SnapshotState | undefined,
  relevant: Uint8Array | undefined,
  reference: SnapshotState | undefined,
  ratio: PredictionRatio | undefined,
  hw: number,
  versioned: boolean,
  exBy: Int32Array | undefined,
  exClient: number,
  exMask: number,
): void {
  const stride = current.stride;
  const pred = p.pred;
  const cur = current.values;
  const { codes, offsets, widths, thresholds, slotMax } = p.codecPlan;
  const groupBase = p.groupBase;
  const colBase = p.layout.colBase;
  const fieldCount = codes.length;
  const refValues = (reference ?? current).values;
  const unitRatio = ratio !== undefined && ratio.num === ratio.den;
  for (let id = 0; id < hw; id++) {
    p.selected[id] = 0;
    p.respawn[id] = 0;
    const curP = current.present[id] === 1 && (relevant === undefined || relevant[id] === 1);
    const baseP = baseline !== undefined && baseline.present[id] === 1;
    if (baseP) p.baselineCount++;
    if (!curP) {
      if (baseP) p.despawnIds[p.despawnCount++] = id;
      continue;
    }
    const mask = current.mask[id] as number;
    const row = id * stride;
    if (baseline === undefined || !baseP || baseline.mask[id] !== mask) {
      let bits = p.fields.length;
      for (const f of p.fields) if (mask & (1 << f.index)) bits += f.template.packedBits(cur, row + f.offset);
      p.cost[id] = bits;
      p.respawn[id] = baseP ? 1 : 0;
      p.selected[id] = 1;
      p.spawnIds[p.spawnCount++] = id;
      continue;
    }
    // Same version as the baseline's row: captured unchanged since, no need to compare.
    if (versioned && baseline.version[id] === current.version[id]) continue;
    const base = baseline.values;
    const predicted =
      ratio !== undefined && reference !== undefined && canPredictLocal(baseline, reference, id);
    // The fields compared: all of the entity's, less the excluded ones for an excluded id.
    let live = mask;
    if (exBy !== undefined && exBy[id] === exClient && (mask & exMask) !== 0) {
      live = mask & ~exMask;
      p.excludedCount++;
    }
    let changed = 0;
    for (let f = 0; f < fieldCount; f++) {
      if ((live & (1 << f)) === 0) continue;
      const so = offsets[f] as number;
      const o = row + so;
      const code = codes[f] as number;
      if (code === SLOTS || code === QUAT || code === TRANSFORM) {
        const end = o + (widths[f] as number);
        const limit = thresholds[f] as number;
        let moved = false;
        for (let s = o; s < end; s++) {
          const d = (cur[s] as number) - (base[s] as number);
          if (d > limit || -d > limit) {
            moved = true;
            break;
          }
        }
        if (!moved) continue;
        changed |= 1 << f;
        // Deltas are coded against `from`: the baseline, or with a reference the predicted row
        // (predict.ts: slots extrapolated and clamped, rotations copied).
        // The column histogram: one column per slot (a rotation's from its second slot). A
        // Transform is a slots part (0..2) then a rotation (3..6).
        const hist = p.columns.hist;
        const h = ((colBase[f] as number) - o) * COLUMN_BUCKETS_LOCAL;
        const rot = code === QUAT ? o : code === TRANSFORM ? o + 3 : end;
        for (let s = o; s < rot; s++) {
          let from = base[s] as number;
          if (ratio !== undefined) {
            if (predicted) {
              const step = from - (refValues[s] as number);
              // A 1:1 ratio (the usual case) needs no division: the same integer.
              from += unitRatio ? step : Math.round((step * ratio.num) / ratio.den);
              const max = slotMax[so + s - o] as number;
              if (from < 0) from = 0;
              else if (from > max) from = max;
            }
            pred[s] = from;
          }
          const d = (cur[s] as number) - from;
          const length = 32 - Math.clz32(d >= 0 ? d * 2 : -d * 2 - 1);
          const x = h + s * COLUMN_BUCKETS_LOCAL + length;
          hist[x] = (hist[x] as number) + 1;
        }
        if (rot === end) continue;
        // The rotation: not predicted; its columns only when its largest component stayed.
        if (ratio !== undefined) for (let s = rot; s < end; s++) pred[s] = base[s] as number;
        if (cur[rot] !== base[rot]) continue;
        for (let s = rot + 1; s < end; s++) {
          const d = (cur[s] as number) - (base[s] as number);
          const length = 32 - Math.clz32(d >= 0 ? d * 2 : -d * 2 - 1);
          const x = h + (s - 1) * COLUMN_BUCKETS_LOCAL + length;
          hist[x] = (hist[x] as number) + 1;
        }
        continue;
      }
      const t = (p.fields[f] as ReplicatedField).template;
      if (t.changed(cur, o, base, o)) {
        changed |= 1 << f;
        let from = base;
        if (ratio !== undefined) {
          from = pred;
          if (predicted) predictFieldLocal(t, base, o, reference.values, o, ratio, pred, o);
          else for (let s = 0; s < t.width; s++) pred[o + s] = base[o + s] as number;
        }
        accumulateKCostsLocal(t, cur, o, from, o, p.kCosts, groupBase[f] as number);
      }
    }
    if (changed === 0) continue;
    p.changedMask[id] = changed;
    p.selected[id] = 1;
    p.updateIds[p.updateCount++] = id;
  }
}
