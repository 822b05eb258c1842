/**
 * Writing one update of a snapshot: per field a changed flag (when the entity has several fields)
 * and the changed fields' deltas against the plan's delta base, specialised for `slots` and
 * smallest-three fields (other templates use `writeFieldDelta`).
 */
import type { ReplicatedField } from "../registry";
import type { EncodePlan } from "./encodePlan";
import { FIELD_QUAT, FIELD_SLOTS, writeFieldDelta, type FieldCodecPlan } from "./fieldDelta";
import type { SnapshotState } from "./snapshotState";
import type { WordWriter } from "./wordBits";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function (or read of an imported constant) is a getter call.
const writeFieldDeltaLocal = writeFieldDelta;
const SLOTS = FIELD_SLOTS;
const QUAT = FIELD_QUAT;

/**
 * One update's field flags and deltas. Short codes are gathered in a local word (`acc`, `accBits`;
 * LSB-first like the writer) and written a word at a time; long ones go through the writer.
 */
export function writeUpdate(
  w: WordWriter,
  id: number,
  current: SnapshotState,
  p: EncodePlan,
  codecPlan: FieldCodecPlan,
  fields: readonly ReplicatedField[],
): void {
  const { codes, offsets, widths, slotBits, groupBase } = codecPlan;
  const mask = current.mask[id] as number;
  const changed = p.changedMask[id] as number;
  const multi = (mask & (mask - 1)) !== 0;
  const row = id * current.stride;
  const cur = current.values;
  const base = p.deltaBase;
  const ks = p.ks;
  const fieldCount = codes.length;
  let acc = 0;
  let accBits = 0;
  for (let f = 0; f < fieldCount; f++) {
    const bit = 1 << f;
    if ((mask & bit) === 0) continue;
    if (multi) {
      if (accBits >= 31) {
        w.writeBits(acc, accBits);
        acc = accBits = 0;
      }
      if ((changed & bit) !== 0) acc |= 1 << accBits;
      accBits++;
    }
    if ((changed & bit) === 0) continue;
    const o = row + (offsets[f] as number);
    const code = codes[f] as number;
    let first = o;
    const end = o + (widths[f] as number);
    if (code === QUAT) {
      if (accBits >= 31) {
        w.writeBits(acc, accBits);
        acc = accBits = 0;
      }
      if (cur[o] !== base[o]) {
        // Largest component changed: flag 0, then the full value.
        accBits++;
        if (accBits > 0) w.writeBits(acc, accBits);
        acc = accBits = 0;
        const so = offsets[f] as number;
        for (let s = 0; s < 4; s++) {
          const bits = slotBits[so + s] as number;
          if (bits > 0) w.writeBits(cur[o + s] as number, bits);
        }
        continue;
      }
      acc |= 1 << accBits;
      accBits++;
      first = o + 1;
    } else if (code !== SLOTS) {
      if (accBits > 0) w.writeBits(acc, accBits);
      acc = accBits = 0;
      const t = (fields[f] as ReplicatedField).template;
      writeFieldDeltaLocal(w, t, cur, o, base, o, ks, groupBase[f] as number);
      continue;
    }
    const k = ks[groupBase[f] as number] as number;
    for (let s = first; s < end; s++) {
      const d = (cur[s] as number) - (base[s] as number);
      const u = d >= 0 ? d * 2 : -d * 2 - 1;
      // Order-k Exp-Golomb (WordWriter.writeExpGolomb's short form).
      const q = (u >>> k) + 1;
      const n = 31 - Math.clz32(q);
      const prefix = 2 * n + 1;
      const size = prefix + k;
      if (size >= 32) {
        if (accBits > 0) w.writeBits(acc, accBits);
        acc = accBits = 0;
        w.writeExpGolomb(u, k);
        continue;
      }
      let c = ((q - (1 << n)) << (n + 1)) | (1 << n);
      if (k > 0) c |= (u & ((1 << k) - 1)) << prefix;
      if (accBits + size > 32) {
        w.writeBits(acc, accBits);
        acc = c;
        accBits = size;
      } else {
        acc |= c << accBits;
        accBits += size;
      }
    }
  }
  if (accBits > 0) w.writeBits(acc, accBits);
}
