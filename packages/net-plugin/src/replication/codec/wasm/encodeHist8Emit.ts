/**
 * The columns' bit-length histograms of the wasm collect's dense step (encodeDenseEmit.ts) a
 * column at a time: the four entities' values of a column counted in one byte-bucket vector per
 * column (buckets 0..15, `hist8`, after the i32 histograms in the `hist` segment) — a load, per
 * value a byte compare of its length key with the 16 buckets' keys subtracted, a store — instead
 * of a load, add and store per value at an address made from its `clz`. A row vector's length keys
 * are the exponents of one f32x4 conversion (exact below 2^24: 126 + the length, 0 for 0; the
 * buckets' keys are 0, 127..141, so no subtraction or clamp); a group with a value of 16 bits or
 * more counts its values in the i32 histograms as before (encodeFieldEmit.ts emitHist). The byte
 * buckets are added into the i32 ones (and cleared) before one could wrap — every FLUSH_GROUPS
 * dense groups — and at the end of the collect: `hist` then holds the per-value code's counts.
 */
import { COLUMN_BUCKETS } from "../columns";
import { emitHist } from "./encodeFieldEmit";
import type { Local, WasmFunction } from "./wasmModule";

/** Dense groups between flushes: each adds ≤ 4 to a bucket byte (63 · 4 = 252 ≤ 255). */
export const FLUSH_GROUPS = 63;
/** f32's exponent of a value of b ≥ 1 bits, less b (127 − 1: 2^(b−1) ≤ u < 2^b). */
const EXPONENT_BIAS = 126;
/** Values below this (15 bits long at most) take the byte buckets 0..15. */
const BYTE_LIMIT = 1 << 15;

/** Bytes of the byte buckets after the i32 histograms of `columns` columns. */
export function hist8Bytes(columns: number): number {
  return columns * 16;
}

/** The locals of the byte-bucket counting (per group). */
export interface Hist8 {
  /** The `hist` segment; the byte buckets start `columns · COLUMN_BUCKETS · 4` bytes into it. */
  readonly hist: Local;
  readonly columns: number;
  /** Per entity of the group: its row vector's values (zigzag residuals) and their length keys. */
  readonly vals: readonly Local[];
  readonly lens: readonly Local[];
  readonly d: Local;
}

/** Makes the locals. */
export function hist8Locals(f: WasmFunction, hist: Local, columns: number, d: Local): Hist8 {
  const v = (): Local => f.local("v128");
  return { hist, columns, vals: [v(), v(), v(), v()], lens: [v(), v(), v(), v()], d };
}

/**
 * The length keys of `vals[e]` into `lens[e]` (f32 exponents: 0 for 0, else 126 + the bit
 * length; no subtraction or clamp).
 */
export function emitLengths(f: WasmFunction, h: Hist8, e: number): void {
  const val = h.vals[e] as Local;
  // the exponent of f32(u): 0 for 0, else 126 + (32 − clz(u)) (the byte keys of emitCount4)
  f.localGet(val)
    .op("f32x4.convert_i32x4_s")
    .i32Const(23)
    .op("i32x4.shr_u")
    .localSet(h.lens[e] as Local);
}

/** Counts lanes `lanes[i]` of the four entities' values in columns `columns[i]` (after emitLengths for each). */
export function emitCount4(
  f: WasmFunction,
  h: Hist8,
  lanes: readonly number[],
  columns: readonly number[],
): void {
  const at = h.columns * COLUMN_BUCKETS * 4;
  // a value of 2^15 or more in one of `lanes` of the four: the i32 histograms (one test for all)
  const high = [0, 1, 2, 3].map((lane) => (lanes.includes(lane) ? -BYTE_LIMIT : 0));
  const [v0, v1, v2, v3] = h.vals as [Local, Local, Local, Local];
  f.localGet(v0).localGet(v1).op("v128.or").localGet(v2).localGet(v3).op("v128.or").op("v128.or");
  f.v128ConstI32(high[0] as number, high[1] as number, high[2] as number, high[3] as number);
  f.op("v128.and").op("v128.any_true");
  const wide = f.if();
  for (let e = 0; e < 4; e++) {
    lanes.forEach((lane, i) => {
      f.localGet(h.vals[e] as Local)
        .lane("i32x4.extract_lane", lane)
        .localSet(h.d);
      emitHist(f, h.hist, h.d, columns[i] as number);
    });
  }
  f.else();
  // bucket b's key: the exponent of a b-bit value (0 for 0)
  const keys = Uint8Array.from({ length: 16 }, (_, b) => (b === 0 ? 0 : EXPONENT_BIAS + b));
  lanes.forEach((lane, i) => {
    const offset = at + (columns[i] as number) * 16;
    f.localGet(h.hist);
    f.localGet(h.hist).load("v128.load", offset, 0);
    for (let e = 0; e < 4; e++) {
      const len = h.lens[e] as Local;
      f.localGet(len).localGet(len);
      f.shuffle(Array.from({ length: 16 }, () => lane * 4));
      f.v128Const(keys).op("i8x16.eq").op("i8x16.sub");
    }
    f.store("v128.store", offset, 0);
  });
  f.end(wide);
}

/** Adds the byte buckets into the i32 histograms (buckets 0..15 of each column) and clears them. */
export function emitFlush8(f: WasmFunction, hist: Local, columns: number): void {
  const at = columns * COLUMN_BUCKETS * 4;
  const bytes = f.local("v128");
  const half = f.local("v128");
  for (let col = 0; col < columns; col++) {
    f.localGet(hist)
      .load("v128.load", at + col * 16, 0)
      .localSet(bytes);
    for (let h = 0; h < 2; h++) {
      f.localGet(bytes)
        .op(h === 0 ? "i16x8.extend_low_i8x16_u" : "i16x8.extend_high_i8x16_u")
        .localSet(half);
      for (let q = 0; q < 2; q++) {
        const offset = col * COLUMN_BUCKETS * 4 + (h * 8 + q * 4) * 4;
        f.localGet(hist);
        f.localGet(hist).load("v128.load", offset, 0);
        f.localGet(half).op(q === 0 ? "i32x4.extend_low_i16x8_u" : "i32x4.extend_high_i16x8_u");
        f.op("i32x4.add").store("v128.store", offset, 0);
      }
    }
  }
  f.localGet(hist)
    .i32Const(at)
    .op("i32.add")
    .i32Const(0)
    .i32Const(columns * 16)
    .memoryFill();
}
