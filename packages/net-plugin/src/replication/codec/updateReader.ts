/**
 * Reading the updates of a snapshot (generic path; kernels/decodeKernel.ts reads the same bits):
 * per update its field flags, rotation flags and other fields' deltas, noting which fields have
 * values in the columns; then the value columns (columns.ts), residuals against the baseline,
 * predicted where the snapshot names a reference. Check on read: false, never a throw, on a
 * malformed or truncated section.
 */
import type { ReplicatedField } from "../registry";
import { EXCEPTION_WIDTH_BITS, positionBits, WIDTH_BITS, type ColumnLayout } from "./columns";
import { FIELD_QUAT, FIELD_SLOTS, FIELD_TRANSFORM, readFieldDelta, type FieldCodecPlan } from "./fieldDelta";
import { canPredict, predictField, type PredictionRatio } from "./predict";
import type { SnapshotState } from "./snapshotState";
import type { WordReader } from "./wordBits";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function (or read of an imported constant) is a getter call.
const readFieldDeltaLocal = readFieldDelta;
const canPredictLocal = canPredict;
const predictFieldLocal = predictField;
const positionBitsLocal = positionBits;
const SLOTS = FIELD_SLOTS;
const QUAT = FIELD_QUAT;
const TRANSFORM = FIELD_TRANSFORM;

/** What the update readers need from their decoder (one per decoder; `reference` set per snapshot). */
export interface UpdateReadContext {
  readonly fields: readonly ReplicatedField[];
  readonly codecPlan: FieldCodecPlan;
  readonly layout: ColumnLayout;
  /** Exp-Golomb order per coded group of the snapshot being decoded (other fields' groups). */
  readonly ks: Uint8Array;
  /** The snapshot's prediction reference, if it names one. */
  reference: SnapshotState | undefined;
  readonly ratio: PredictionRatio;
  /** One predicted entity row (fields at their registry offsets). */
  readonly predRow: Int32Array;
  /**
   * The updates read so far, in order: their ids, the fields with position/slot values in the
   * columns and the fields whose rotation components are (largest unchanged).
   */
  readonly entryIds: Int32Array;
  readonly entryFields: Int32Array;
  readonly entryRotations: Int32Array;
  entryCount: number;
  /** One column's values (scratch; the kernel's exception positions, `capacity + 1` per column). */
  readonly values: Int32Array;
  /** The kernel's exception high bits (scratch). */
  readonly exHigh: Int32Array;
}

/** One update's field flags, rotation flags (full values) and other fields' deltas. */
export function readUpdate(
  c: UpdateReadContext,
  r: WordReader,
  id: number,
  base: SnapshotState,
  work: SnapshotState,
): boolean {
  const { codes, offsets, slotMax, slotBits, groupBase } = c.codecPlan;
  const mask = base.mask[id] as number;
  const multi = (mask & (mask - 1)) !== 0;
  const row = id * work.stride;
  const out = work.values;
  const b = base.values;
  const reference = c.reference;
  const predicted = reference !== undefined && canPredictLocal(base, reference, id);
  const fieldCount = codes.length;
  let any = false;
  let inColumns = 0;
  let rotations = 0;
  for (let f = 0; f < fieldCount; f++) {
    const bit = 1 << f;
    if ((mask & bit) === 0) continue;
    if (multi && r.readBits(1) === 0) {
      if (r.overflowed) return false;
      continue;
    }
    any = true;
    const code = codes[f] as number;
    if (code === SLOTS) {
      inColumns |= bit;
      continue;
    }
    // A Transform: its position in the columns, its rotation (from slot 3) as a Quat's.
    if (code === TRANSFORM) inColumns |= bit;
    const so = (offsets[f] as number) + (code === TRANSFORM ? 3 : 0);
    const o = row + so;
    if (code === QUAT || code === TRANSFORM) {
      // Rotations are not predicted: residuals are against the baseline.
      if (r.readBits(1) === 1) {
        out[o] = b[o] as number;
        rotations |= bit;
        continue;
      }
      for (let s = 0; s < 4; s++) {
        const bits = slotBits[so + s] as number;
        out[o + s] = bits > 0 ? r.readBits(bits) : 0;
      }
      for (let s = 0; s < 4; s++) {
        const v = out[o + s] as number;
        if (v < 0 || v > (slotMax[so + s] as number)) return false;
      }
      continue;
    }
    const t = (c.fields[f] as ReplicatedField).template;
    let from = b;
    let fo = o;
    if (predicted) {
      predictFieldLocal(t, b, o, reference.values, o, c.ratio, c.predRow, so);
      from = c.predRow;
      fo = so;
    }
    if (!readFieldDeltaLocal(r, t, out, o, from, fo, c.ks, groupBase[f] as number)) return false;
  }
  c.entryIds[c.entryCount] = id;
  c.entryRotations[c.entryCount] = rotations;
  c.entryFields[c.entryCount++] = inColumns;
  return any && !r.overflowed;
}

/**
 * The value columns of the updates read (after their per-entity part) into `work`, column by
 * column: its width, values, exception count and exceptions (their length checked before they
 * are read), then its values added to their baselines and range-checked.
 */
export function readColumns(
  c: UpdateReadContext,
  r: WordReader,
  base: SnapshotState,
  work: SnapshotState,
): boolean {
  const { colField, colSlot, colQuat, columns } = c.layout;
  const slotMax = c.codecPlan.slotMax;
  const out = work.values;
  const b = base.values;
  const stride = work.stride;
  const reference = c.reference;
  const unitRatio = c.ratio.num === c.ratio.den;
  const values = c.values;
  const ids = c.entryIds;
  const count = c.entryCount;
  let field = -1;
  let rotation = false;
  let entries = c.entryFields;
  let n = 0;
  for (let col = 0; col < columns; col++) {
    const bit = 1 << (colField[col] as number);
    // A rotation column's values are those of the updates whose largest stayed (entryRotations).
    const quat = colQuat[col] === 1;
    if (colField[col] !== field || quat !== rotation) {
      field = colField[col] as number;
      rotation = quat;
      entries = quat ? c.entryRotations : c.entryFields;
      n = 0;
      for (let i = 0; i < count; i++) if (((entries[i] as number) & bit) !== 0) n++;
    }
    if (n === 0) continue;
    const width = r.readBits(WIDTH_BITS);
    if (r.bitsRemaining < n * width) {
      r.skip(n * width); // past the end: truncated
      return false;
    }
    for (let j = 0; j < n; j++) values[j] = width > 0 ? r.readBits(width) : 0;
    const e = r.readExpGolomb(0);
    if (e < 0 || e > n) return false;
    if (e > 0) {
      const x = r.readBits(EXCEPTION_WIDTH_BITS);
      if (x === 0 || width + x > 31) return false;
      const pb = positionBitsLocal(n);
      if (r.bitsRemaining < e * (pb + x)) {
        r.skip(e * (pb + x)); // past the end: truncated
        return false;
      }
      let prev = -1;
      for (let j = 0; j < e; j++) {
        const at = pb > 0 ? r.readBits(pb) : 0;
        const high = r.readBits(x);
        if (at <= prev || at >= n || high === 0) return false;
        values[at] = (values[at] as number) | (high << width);
        prev = at;
      }
    }
    if (r.overflowed) return false;
    const slot = colSlot[col] as number;
    const max = slotMax[slot] as number;
    const predictable = reference !== undefined && !quat;
    for (let i = 0, j = 0; i < count; i++) {
      if (((entries[i] as number) & bit) === 0) continue;
      const id = ids[i] as number;
      const o = id * stride + slot;
      let from = b[o] as number;
      if (predictable && canPredictLocal(base, reference, id)) {
        // Velocity prediction (predict.ts), clamped to the slot's range.
        const ref = reference.values[o] as number;
        // A 1:1 ratio (the usual case) needs no division: the same integer.
        from += unitRatio ? from - ref : Math.round(((from - ref) * c.ratio.num) / c.ratio.den);
        if (from < 0) from = 0;
        else if (from > max) from = max;
      }
      const u = values[j++] as number;
      const v = from + ((u >>> 1) ^ -(u & 1));
      if (v < 0 || v > max) return false;
      out[o] = v;
    }
  }
  return true;
}
