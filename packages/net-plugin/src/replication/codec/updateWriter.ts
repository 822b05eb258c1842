/**
 * Writing the updates of a snapshot (generic path; kernels/writeKernel.ts generates the same
 * bits): per update its field flags (when the entity has several fields), a smallest-three field's
 * "same largest" bit (its full value when not), other templates' deltas (`writeFieldDelta`); then
 * the value columns of `slots` and smallest-three fields (columns.ts), residuals against the
 * plan's delta base.
 */
import type { ReplicatedField } from "../registry";
import { EXCEPTION_WIDTH_BITS, positionBits, WIDTH_BITS } from "./columns";
import type { EncodePlan } from "./encodePlan";
import { FIELD_QUAT, FIELD_SLOTS, FIELD_TRANSFORM, writeFieldDelta, type FieldCodecPlan } from "./fieldDelta";
import type { SnapshotState } from "./snapshotState";
import type { WordWriter } from "./wordBits";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function (or read of an imported constant) is a getter call.
const writeFieldDeltaLocal = writeFieldDelta;
const positionBitsLocal = positionBits;
const SLOTS = FIELD_SLOTS;
const QUAT = FIELD_QUAT;
const TRANSFORM = FIELD_TRANSFORM;

/** One update's field flags, rotation flags (full values) and other fields' deltas. */
export function writeUpdate(
  w: WordWriter,
  id: number,
  current: SnapshotState,
  p: EncodePlan,
  codecPlan: FieldCodecPlan,
  fields: readonly ReplicatedField[],
): void {
  const { codes, offsets, slotBits, groupBase } = codecPlan;
  const mask = current.mask[id] as number;
  const changed = p.changedMask[id] as number;
  const multi = (mask & (mask - 1)) !== 0;
  const row = id * current.stride;
  const cur = current.values;
  const base = p.deltaBase;
  const fieldCount = codes.length;
  for (let f = 0; f < fieldCount; f++) {
    const bit = 1 << f;
    if ((mask & bit) === 0) continue;
    if (multi) w.writeBits((changed & bit) !== 0 ? 1 : 0, 1);
    if ((changed & bit) === 0) continue;
    const code = codes[f] as number;
    if (code === SLOTS) continue;
    // A Transform's position is in the columns; its rotation (from slot 3) codes as a Quat's.
    const so = (offsets[f] as number) + (code === TRANSFORM ? 3 : 0);
    const o = row + so;
    if (code === QUAT || code === TRANSFORM) {
      const same = cur[o] === base[o];
      w.writeBits(same ? 1 : 0, 1);
      if (same) continue;
      // Largest component changed: the full value (its other slots are then not in the columns).
      for (let s = 0; s < 4; s++) {
        const bits = slotBits[so + s] as number;
        if (bits > 0) w.writeBits(cur[o + s] as number, bits);
      }
      continue;
    }
    const t = (fields[f] as ReplicatedField).template;
    writeFieldDeltaLocal(w, t, cur, o, base, o, p.ks, groupBase[f] as number);
  }
}

/**
 * The value columns of the selected updates (after their per-entity part): per column with at
 * least one value its width, the values' low bits, the exception count, and when there are any the
 * exception width and each exception's position and high bits.
 */
export function writeColumns(w: WordWriter, p: EncodePlan, current: SnapshotState): void {
  const { colField, colSlot, colLargest, columns } = p.layout;
  const choice = p.columns;
  const cur = current.values;
  const base = p.deltaBase;
  const stride = current.stride;
  const exPos = p.exPos;
  const exHigh = p.exHigh;
  const ids = p.updateIds;
  const count = p.updateCount;
  for (let c = 0; c < columns; c++) {
    const f = colField[c] as number;
    const bit = 1 << f;
    const slot = colSlot[c] as number;
    // A rotation's largest-index slot (−1: not a rotation column).
    const first = colLargest[c] as number;
    const quat = first >= 0;
    const width = choice.width[c] as number;
    const low = width === 31 ? 0x7fffffff : (1 << width) - 1;
    let n = 0;
    let e = 0;
    for (let i = 0; i < count; i++) {
      const id = ids[i] as number;
      if (p.selected[id] !== 1 || ((p.changedMask[id] as number) & bit) === 0) continue;
      const row = id * stride;
      if (quat && cur[row + first] !== base[row + first]) continue;
      const d = (cur[row + slot] as number) - (base[row + slot] as number);
      const u = (d << 1) ^ (d >> 31);
      if (n === 0) w.writeBits(width, WIDTH_BITS);
      if (width > 0) w.writeBits(u & low, width);
      if (u >>> width !== 0) {
        exPos[e] = n;
        exHigh[e++] = u >>> width;
      }
      n++;
    }
    if (n === 0) continue;
    w.writeExpGolomb(e, 0);
    if (e === 0) continue;
    const x = choice.exWidth[c] as number;
    w.writeBits(x, EXCEPTION_WIDTH_BITS);
    const pb = positionBitsLocal(n);
    for (let j = 0; j < e; j++) {
      if (pb > 0) w.writeBits(exPos[j] as number, pb);
      w.writeBits(exHigh[j] as number, x);
    }
  }
}
