/**
 * Coding one field's quantized slots against its baseline slots, per the template's delta groups
 * (see `DeltaKind`). `slots` and `quat` groups use Exp-Golomb codes whose order `k` is chosen per
 * snapshot and per coded group (`ks[g]`), so slow and fast movers both cost few bits.
 */
import type { BitReader } from "../../protocol/bitReader";
import type { BitWriter } from "../../protocol/bitWriter";
import { expGolombBits, unzigzag, zigzag } from "../../protocol/quantize";
import type { ReplicationRegistry } from "../registry";
import type { ValueTemplate } from "../templates/valueTemplate";
import { readExpGolomb, writeExpGolomb } from "./expGolomb";

/** Exp-Golomb orders tried per group (0..15, sent in 4 bits). */
export const K_CHOICES = 16;
/** Bits of one k in the snapshot header. */
export const K_BITS = 4;

/** For each field, the index of its first coded (`slots`/`quat`) group in the per-snapshot k table. */
export function codedGroupLayout(registry: ReplicationRegistry): {
  groupBase: Int32Array;
  codedGroups: number;
} {
  const groupBase = new Int32Array(registry.fields.length);
  let n = 0;
  for (const f of registry.fields) {
    groupBase[f.index] = n;
    for (const g of f.template.deltaGroups) if (g.kind === "slots" || g.kind === "quat") n++;
  }
  return { groupBase, codedGroups: n };
}

/** Adds, for every k, the bits this field's coded groups would cost to `costs[g * K_CHOICES + k]`. */
export function accumulateKCosts(
  t: ValueTemplate<unknown>,
  cur: Int32Array,
  co: number,
  base: Int32Array,
  bo: number,
  costs: Float64Array,
  g0: number,
): void {
  let g = g0;
  for (const group of t.deltaGroups) {
    if (group.kind !== "slots" && group.kind !== "quat") continue;
    let first = group.start;
    if (group.kind === "quat") {
      if (cur[co + first] !== base[bo + first]) {
        g++;
        continue;
      }
      first++;
    }
    const end = group.start + group.count;
    for (let s = first; s < end; s++) {
      const u = zigzag((cur[co + s] as number) - (base[bo + s] as number));
      const row = g * K_CHOICES;
      for (let k = 0; k < K_CHOICES; k++) costs[row + k] = (costs[row + k] as number) + expGolombBits(u, k);
    }
    g++;
  }
}

/** Exact bits {@link writeFieldDelta} writes. */
export function fieldDeltaBits(
  t: ValueTemplate<unknown>,
  cur: Int32Array,
  co: number,
  base: Int32Array,
  bo: number,
  ks: Uint8Array,
  g0: number,
): number {
  let bits = 0;
  let g = g0;
  for (const group of t.deltaGroups) {
    const end = group.start + group.count;
    if (group.kind === "flip") continue;
    if (group.kind === "full") {
      bits += t.packedBits(cur, co);
      continue;
    }
    const k = ks[g++] as number;
    let first = group.start;
    if (group.kind === "quat") {
      bits += 1;
      if (cur[co + first] !== base[bo + first]) {
        for (let s = first; s < end; s++) bits += t.slotBits[s] as number;
        continue;
      }
      first++;
    }
    for (let s = first; s < end; s++)
      bits += expGolombBits(zigzag((cur[co + s] as number) - (base[bo + s] as number)), k);
  }
  return bits;
}

/** Writes the field at `cur[co…]` as a delta from `base[bo…]`. */
export function writeFieldDelta(
  w: BitWriter,
  t: ValueTemplate<unknown>,
  cur: Int32Array,
  co: number,
  base: Int32Array,
  bo: number,
  ks: Uint8Array,
  g0: number,
): void {
  let g = g0;
  for (const group of t.deltaGroups) {
    const end = group.start + group.count;
    if (group.kind === "flip") continue;
    if (group.kind === "full") {
      t.packQuantized(w, cur, co);
      continue;
    }
    const k = ks[g++] as number;
    let first = group.start;
    if (group.kind === "quat") {
      const same = cur[co + first] === base[bo + first];
      w.writeBool(same);
      if (!same) {
        for (let s = first; s < end; s++) {
          const bits = t.slotBits[s] as number;
          if (bits > 0) w.writeBits(cur[co + s] as number, bits);
        }
        continue;
      }
      first++;
    }
    for (let s = first; s < end; s++)
      writeExpGolomb(w, zigzag((cur[co + s] as number) - (base[bo + s] as number)), k);
  }
}

/** Reads a field written by {@link writeFieldDelta} into `out[oo…]`; false when invalid (never throws). */
export function readFieldDelta(
  r: BitReader,
  t: ValueTemplate<unknown>,
  out: Int32Array,
  oo: number,
  base: Int32Array,
  bo: number,
  ks: Uint8Array,
  g0: number,
): boolean {
  let g = g0;
  for (const group of t.deltaGroups) {
    const end = group.start + group.count;
    if (group.kind === "flip") {
      for (let s = group.start; s < end; s++) out[oo + s] = 1 - (base[bo + s] as number);
      continue;
    }
    if (group.kind === "full") {
      if (!t.unpackQuantized(r, out, oo)) return false;
      continue;
    }
    const k = ks[g++] as number;
    let first = group.start;
    if (group.kind === "quat") {
      if (!r.readBool()) {
        for (let s = first; s < end; s++) {
          const bits = t.slotBits[s] as number;
          out[oo + s] = bits > 0 ? r.readBits(bits) : 0;
        }
        continue;
      }
      out[oo + first] = base[bo + first] as number;
      first++;
    }
    for (let s = first; s < end; s++) {
      const u = readExpGolomb(r, k);
      if (u < 0) return false;
      out[oo + s] = (base[bo + s] as number) + unzigzag(u);
    }
  }
  return !r.overflowed && t.isValid(out, oo);
}
