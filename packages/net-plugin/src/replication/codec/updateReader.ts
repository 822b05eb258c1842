/**
 * Reading one update of a snapshot (its field flags and deltas against the baseline, predicted
 * where the snapshot names a reference) into the decoder's work state. Check on read: false, never
 * a throw, on a malformed or truncated update.
 */
import type { ReplicatedField } from "../registry";
import { FIELD_QUAT, FIELD_SLOTS, readFieldDelta, type FieldCodecPlan } from "./fieldDelta";
import { canPredict, predictField, type PredictionRatio } from "./predict";
import type { SnapshotState } from "./snapshotState";
import type { WordReader } from "./wordBits";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function (or read of an imported constant) is a getter call.
const readFieldDeltaLocal = readFieldDelta;
const canPredictLocal = canPredict;
const predictFieldLocal = predictField;
const SLOTS = FIELD_SLOTS;
const QUAT = FIELD_QUAT;

/** What {@link readUpdate} needs from its decoder (one per decoder; `reference` set per snapshot). */
export interface UpdateReadContext {
  readonly fields: readonly ReplicatedField[];
  readonly codecPlan: FieldCodecPlan;
  /** Exp-Golomb order per coded group of the snapshot being decoded. */
  readonly ks: Uint8Array;
  /** The snapshot's prediction reference, if it names one. */
  reference: SnapshotState | undefined;
  readonly ratio: PredictionRatio;
  /** One predicted entity row (fields at their registry offsets). */
  readonly predRow: Int32Array;
}

/**
 * One update's field flags and deltas. Flags and short Exp-Golomb codes of slots and quat
 * fields are read straight from the reader's words with a local bit position (the same checks
 * as WordReader's); anything else goes through the reader.
 */
export function readUpdate(
  c: UpdateReadContext,
  r: WordReader,
  id: number,
  base: SnapshotState,
  work: SnapshotState,
): boolean {
  const { codes, offsets, widths, slotMax, slotBits, groupBase } = c.codecPlan;
  const mask = base.mask[id] as number;
  const multi = (mask & (mask - 1)) !== 0;
  const row = id * work.stride;
  const out = work.values;
  const b = base.values;
  const ks = c.ks;
  const reference = c.reference;
  const predicted = reference !== undefined && canPredictLocal(base, reference, id);
  const unitRatio = c.ratio.num === c.ratio.den;
  const fieldCount = codes.length;
  const words = r.data;
  const total = r.bitLength;
  let pos = r.position;
  let any = false;
  for (let f = 0; f < fieldCount; f++) {
    const bit = 1 << f;
    if ((mask & bit) === 0) continue;
    if (multi) {
      if (pos >= total) {
        r.position = pos;
        r.readBits(1);
        return false;
      }
      const flag = ((words[pos >>> 5] as number) >>> (pos & 31)) & 1;
      pos++;
      if (flag === 0) continue;
    }
    any = true;
    const so = offsets[f] as number;
    const o = row + so;
    const code = codes[f] as number;
    if (code !== SLOTS && code !== QUAT) {
      r.position = pos;
      const t = (c.fields[f] as ReplicatedField).template;
      let from = b;
      let fo = o;
      if (predicted) {
        predictFieldLocal(t, b, o, reference.values, o, c.ratio, c.predRow, so);
        from = c.predRow;
        fo = so;
      }
      if (!readFieldDeltaLocal(r, t, out, o, from, fo, ks, groupBase[f] as number)) return false;
      pos = r.position;
      continue;
    }
    let first = 0;
    if (code === QUAT) {
      // Rotations are not predicted: deltas are against the baseline.
      if (pos >= total) {
        r.position = pos;
        r.readBits(1);
        return false;
      }
      const same = ((words[pos >>> 5] as number) >>> (pos & 31)) & 1;
      pos++;
      if (same === 0) {
        r.position = pos;
        for (let s = 0; s < 4; s++) {
          const bits = slotBits[so + s] as number;
          out[o + s] = bits > 0 ? r.readBits(bits) : 0;
        }
        pos = r.position;
        for (let s = 0; s < 4; s++) {
          const v = out[o + s] as number;
          if (v < 0 || v > (slotMax[so + s] as number)) return false;
        }
        continue;
      }
      out[o] = b[o] as number;
      first = 1;
    }
    const width = widths[f] as number;
    const k = ks[groupBase[f] as number] as number;
    for (let s = first; s < width; s++) {
      let from = b[o + s] as number;
      if (predicted && code === SLOTS) {
        // Velocity prediction (predict.ts), clamped to the slot's range.
        const ref = reference.values[o + s] as number;
        // A 1:1 ratio (the usual case) needs no division: the same integer.
        from += unitRatio ? from - ref : Math.round(((from - ref) * c.ratio.num) / c.ratio.den);
        const max = slotMax[so + s] as number;
        if (from < 0) from = 0;
        else if (from > max) from = max;
      }
      // Order-k Exp-Golomb (WordReader.readExpGolomb's short form).
      const index = pos >>> 5;
      const shift = pos & 31;
      let peek = (words[index] as number) >>> shift;
      if (shift > 0) peek |= (words[index + 1] as number) << (32 - shift);
      const n = 31 - Math.clz32(peek & -peek);
      const size = 2 * n + 1 + k;
      let u: number;
      if (peek !== 0 && size < 32 && pos + size <= total) {
        const rest = peek >>> (n + 1);
        const q = (rest & ((1 << n) - 1)) + (1 << n);
        u = (((q - 1) << k) | ((rest >>> n) & ((1 << k) - 1))) >>> 0;
        pos += size;
      } else {
        r.position = pos;
        u = r.readExpGolomb(k);
        pos = r.position;
        if (u < 0) return false;
      }
      const v = from + ((u >>> 1) ^ -(u & 1));
      if (v < 0 || v > (slotMax[so + s] as number)) return false;
      out[o + s] = v;
    }
  }
  r.position = pos;
  return any && !r.overflowed;
}
