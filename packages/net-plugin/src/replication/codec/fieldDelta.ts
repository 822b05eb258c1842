/**
 * Coding one field's quantized slots against its baseline slots, per the template's delta groups
 * (see `DeltaKind`), for fields whose values are not in the updates section's columns
 * (columns.ts: `slots` and smallest-three fields are). Their `slots` and `quat` groups use
 * Exp-Golomb codes whose order `k` is chosen per snapshot and per coded group (`ks[g]`).
 */
import { expGolombBits, unzigzag, zigzag } from "../../protocol/quantize";
import type { ValueTemplate } from "../templates/valueTemplate";
import type { WordReader, WordWriter } from "./wordBits";
export {
  codedGroupLayout,
  FIELD_FLIP,
  FIELD_FULL,
  FIELD_GENERIC,
  FIELD_QUAT,
  FIELD_SLOTS,
  FIELD_TRANSFORM,
  fieldCodecPlan,
  type FieldCodecPlan,
} from "./fieldCodecPlan";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function is a getter call.
const expGolombBitsLocal = expGolombBits;
const unzigzagLocal = unzigzag;
const zigzagLocal = zigzag;

/** Exp-Golomb orders tried per group (0..15, sent in 4 bits). */
export const K_CHOICES = 16;
/** Bits of one k in the snapshot header. */
export const K_BITS = 4;

/** Bit-length buckets per coded group in the k histogram (lengths 0..31). */
export const K_BUCKETS = 32;

/**
 * Counts this field's coded-group deltas by bit length into `hist[g * K_BUCKETS + length]`; the
 * order k of each group is then chosen from the histogram ({@link chooseK}).
 */
export function accumulateKCosts(
  t: ValueTemplate<unknown>,
  cur: Int32Array,
  co: number,
  base: Int32Array,
  bo: number,
  hist: Int32Array,
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
    const row = g * K_BUCKETS;
    for (let s = first; s < end; s++) {
      const u = zigzagLocal((cur[co + s] as number) - (base[bo + s] as number));
      const length = 32 - Math.clz32(u);
      hist[row + length] = (hist[row + length] as number) + 1;
    }
    g++;
  }
}

/**
 * The k (0..15) with the fewest estimated bits for group `g` of the histogram: a value of bit
 * length L costs k + 1 + 2·max(0, L − k − 1) bits. One pass over the lengths builds suffix sums
 * (count and count·L of lengths ≥ j), then each k costs O(1):
 * bits(k) = (k + 1)·total + 2·(sumL(k + 2) − (k + 1)·count(k + 2)). Same integers as summing per
 * length, so the same k (the lowest of equal costs).
 */
export function chooseK(hist: Int32Array, g: number): number {
  const row = g * K_BUCKETS;
  const count = suffixCount;
  const sumL = suffixLength;
  let c = 0;
  let l = 0;
  let longest = 0;
  count[K_BUCKETS] = 0;
  sumL[K_BUCKETS] = 0;
  for (let length = K_BUCKETS - 1; length >= 0; length--) {
    const n = hist[row + length] as number;
    if (n !== 0 && longest === 0) longest = length;
    c += n;
    l += n * length;
    count[length] = c;
    sumL[length] = l;
  }
  // Past k = longest the cost only grows.
  const lastK = Math.min(K_CHOICES - 1, longest);
  let best = 0;
  let bestBits = Infinity;
  for (let k = 0; k <= lastK; k++) {
    const j = Math.min(k + 2, K_BUCKETS);
    const bits = (k + 1) * c + 2 * ((sumL[j] as number) - (k + 1) * (count[j] as number));
    if (bits < bestBits) {
      bestBits = bits;
      best = k;
    }
  }
  return best;
}

/** chooseK's suffix sums (one more than K_BUCKETS: the empty suffix). */
const suffixCount = new Float64Array(K_BUCKETS + 1);
const suffixLength = new Float64Array(K_BUCKETS + 1);

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
      bits += expGolombBitsLocal(zigzagLocal((cur[co + s] as number) - (base[bo + s] as number)), k);
  }
  return bits;
}

/** Writes the field at `cur[co…]` as a delta from `base[bo…]`. */
export function writeFieldDelta(
  w: WordWriter,
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
      w.writeExpGolomb(zigzagLocal((cur[co + s] as number) - (base[bo + s] as number)), k);
  }
}

/** Reads a field written by {@link writeFieldDelta} into `out[oo…]`; false when invalid (never throws). */
export function readFieldDelta(
  r: WordReader,
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
      const u = r.readExpGolomb(k);
      if (u < 0) return false;
      out[oo + s] = (base[bo + s] as number) + unzigzagLocal(u);
    }
  }
  return !r.overflowed && t.isValid(out, oo);
}
