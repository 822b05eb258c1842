/**
 * Velocity prediction (Glenn Fiedler, *Snapshot Compression*): with an older acknowledged state
 * `reference` beside the baseline, the `slots` groups of a field (positions, floats, ints) are
 * predicted as baseline + (baseline − reference) × (tick − baseline tick) / (baseline tick −
 * reference tick), and only the residual is coded. Both ends hold both states, so they compute the
 * same integers. Rotations and flags are not predicted (their slots are copied from the baseline).
 */
import type { ValueTemplate } from "../templates/valueTemplate";
import type { SnapshotState } from "./snapshotState";

/** Most sequences a reference may be older than the baseline that the header's 6 bits can say. */
export const MAX_REFERENCE_AGE = 63;
/**
 * Most sequences a reference may be older than its baseline (the protocol's rule, below the
 * header's 63): the encoder picks none older, the decoder refuses older as Invalid. With it both
 * rings free every state older than `newest baseline − REFERENCE_WINDOW` and reuse it while warm
 * (baselineRing.ts). 16 (267 ms at 60 Hz): acks up to 16 ticks old predict 1:1 as before; older
 * ones predict from nothing (BaselineRing.referenceFor; 2–7 % more bits on the codec trace).
 * 8 gave the same speed and cost those bits from 9 ticks on.
 */
export const REFERENCE_WINDOW = 16;
/** Bits of the reference age in the header. */
export const REFERENCE_AGE_BITS = 6;

/** Extrapolation factor of one snapshot: `num / den` baseline-to-reference spans. */
export interface PredictionRatio {
  num: number;
  den: number;
}

/** The ratio for predicting `tick` from `baseline` and `reference`, or undefined when unusable. */
export function predictionRatio(
  baseline: SnapshotState,
  reference: SnapshotState,
  tick: number,
  out: PredictionRatio,
): PredictionRatio | undefined {
  const den = baseline.tick - reference.tick;
  const num = tick - baseline.tick;
  if (!(den > 0) || !(num > 0) || num > 1024 * den) return undefined;
  out.num = num;
  out.den = den;
  return out;
}

/** True when `reference` holds entity `id` with the baseline's field set (prediction applies). */
export function canPredict(baseline: SnapshotState, reference: SnapshotState, id: number): boolean {
  return reference.present[id] === 1 && reference.mask[id] === baseline.mask[id];
}

/** Writes the predicted slots of one field to `out[oo…]` (baseline slots, `slots` groups extrapolated). */
export function predictField(
  t: ValueTemplate<unknown>,
  base: Int32Array,
  bo: number,
  ref: Int32Array,
  ro: number,
  ratio: PredictionRatio,
  out: Int32Array,
  oo: number,
): void {
  for (let s = 0; s < t.width; s++) out[oo + s] = base[bo + s] as number;
  for (const group of t.deltaGroups) {
    if (group.kind !== "slots") continue;
    const end = group.start + group.count;
    for (let s = group.start; s < end; s++) {
      const b = base[bo + s] as number;
      let p = b + Math.round(((b - (ref[ro + s] as number)) * ratio.num) / ratio.den);
      const max = t.slotMax[s] as number;
      if (p < 0) p = 0;
      else if (p > max) p = max;
      out[oo + s] = p;
    }
  }
}
