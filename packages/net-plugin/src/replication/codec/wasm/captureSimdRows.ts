/**
 * The SIMD capture kernel's quantized-row stores, four entries at a time (captureSimd.ts: two
 * f64x2 pairs per iteration). Per slot and pair, floor(t + 0.5) is clamped to 0..maxValue in f64
 * (`pmax`/`pmin`: NaN → 0) and made an integer in the low word of r + 2^52, and the lanes where t
 * is the round exception (0.49999999999999994: floor gives 1, Math.round 0) become an all-ones
 * mask; the two pairs' low words are joined into one i32x4 (lanes = the iteration's four entries)
 * and the joined mask added (1 - 1 = 0) — the integers of captureSimd.ts round + clampToInt, for
 * a maxValue of at least 1 (`fits`). A field's slot vectors are then transposed in registers into
 * the four entries' row fragments and stored whole: one v128 per entry when the field is four
 * slots wide, or three wide and the lane past it lands on a slot written later (its own field's
 * in the next row, or an inline field quantized after it); else as i64/i32 lanes. The four
 * entries are stored in order, so a fragment reaching into the next row is overwritten by that
 * row's own.
 */
import { quantizedParts } from "./captureParts";
import type { CapturePlan, InlineField } from "./capturePlan";
import type { Pair } from "./captureSimd";
import { ROUND_EXCEPTION } from "./captureQuantize";
import type { Local, WasmFunction } from "./wasmModule";

/** Lanes 0-1 of the first vector then lanes 0-1 of the second (i32 lanes). */
const LOW_LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
/** Lanes 2-3 of the first then lanes 2-3 of the second. */
const HIGH_HIGH = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
/** i32 lanes a0 b0 a1 b1. */
const ZIP_LOW = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
/** i32 lanes a2 b2 a3 b3. */
const ZIP_HIGH = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
/** The low i32 of each i64 lane of the first, then of the second. */
const I64_LOWS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];

/** 2^52: an integer r in 0..2^32 is the low word of the double r + 2^52. */
const TO_INT = 2 ** 52;

/** Pushes f64x2 lanes of `c`, or with `hoist` only hoists them into a local (SimdQuantizer.splat). */
type Splat = (c: number, hoist?: boolean) => WasmFunction;

/** Slot vectors of the field being quantized, and their transposed stores (see the file comment). */
export class SlotRows {
  /** The field's slot vectors S0..S3 (i32x4, lane e = entry e of the iteration). */
  private readonly slots: Local[];
  /** Transpose scratch. */
  private readonly tmp: Local[];
  /** Parts (by first slot) whose fragments are stored as one v128 per entry. */
  private readonly whole = new Set<number>();

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    private readonly q4: Local,
    private readonly splat: Splat,
  ) {
    this.slots = [0, 1, 2, 3].map(() => f.local("v128"));
    this.tmp = [0, 1, 2, 3].map(() => f.local("v128"));
    // Parts are keyed by their first slot (a Transform's two parts share its index and bit).
    const inline = quantizedParts(plan);
    const order = (offset: number): number => inline.findIndex((part) => part.offset === offset);
    // The first slot of the part holding `slot` (none for a generic field's: the gather wrote it).
    const ownerOf = (slot: number): number | undefined =>
      inline.find((part) => slot >= part.offset && slot < part.offset + part.width)?.offset;
    for (const field of inline) {
      if (field.width === 4) this.whole.add(field.offset);
      if (field.width !== 3) continue;
      const past = field.offset + 3;
      const owner = past < plan.stride ? ownerOf(past) : ownerOf(past - plan.stride);
      if (owner === undefined) continue;
      const later = owner === field.offset ? past >= plan.stride : order(owner) > order(field.offset);
      if (later) this.whole.add(field.offset);
    }
  }

  /** True when `field`'s slots take this path (every maxValue at least 1, at most 2^32 - 1). */
  static fits(field: InlineField): boolean {
    const ok = (max: number): boolean => max >= 1 && max <= 0xffffffff;
    return field.kind === "quat" ? ok(field.maxValue) : field.slots.every((z) => ok(z.maxValue));
  }

  /** Hoists the constants of `field` (before the loops). */
  prepare(field: InlineField): void {
    for (const c of [0, 0.5, ROUND_EXCEPTION, TO_INT]) this.splat(c, true);
    if (field.kind === "quat") this.splat(field.maxValue, true);
    else for (const z of field.slots) this.splat(z.maxValue, true);
  }

  /**
   * From t in `t` (f64 lanes): the pair's clamped integers floor(t + 0.5) in the low words of
   * `p.r`, and (unless `exact`: t is never ROUND_EXCEPTION, see `noRoundException`) its
   * round-exception lanes as all-ones in `p.ex`.
   */
  pair(p: Pair, t: Local, max: number, exact = false): void {
    const f = this.f;
    f.localGet(t);
    this.splat(0.5).op("f64x2.add").op("f64x2.floor").localSet(p.r);
    this.splat(0).localGet(p.r).op("f64x2.pmax");
    this.splat(max).op("f64x2.pmin");
    this.splat(TO_INT).op("f64x2.add").localSet(p.r);
    if (exact) return;
    f.localGet(t);
    this.splat(ROUND_EXCEPTION).op("f64x2.eq").localSet(p.ex);
  }

  /**
   * Slot vector `k` = the two pairs' integers (pairs[0] entries 0-1, pairs[1] 2-3), the exception
   * lanes' 1 taken back to 0 (none with `exact`, as `pair`'s).
   */
  join(k: number, pairs: readonly Pair[], exact = false): void {
    const f = this.f;
    const [a, b] = pairs as [Pair, Pair];
    f.localGet(a.r).localGet(b.r).shuffle(I64_LOWS);
    if (!exact) {
      f.localGet(a.ex).localGet(b.ex).shuffle(I64_LOWS);
      f.op("i32x4.add");
    }
    f.localSet(this.slots[k] as Local);
  }

  /** Slot vector `k` = the i32x4 on the stack. */
  set(k: number): void {
    this.f.localSet(this.slots[k] as Local);
  }

  /** Slot vector `k` = the low words of two pairs' i64 lanes (small integers, no clamp). */
  joinI64(k: number, a: Local, b: Local): void {
    this.f
      .localGet(a)
      .localGet(b)
      .shuffle(I64_LOWS)
      .localSet(this.slots[k] as Local);
  }

  /** Stores the slot vectors of `field` into the four entries' quantized rows. */
  store(field: InlineField): void {
    const f = this.f;
    const w = field.width;
    const [s0, s1, s2, s3] = this.slots as [Local, Local, Local, Local];
    const [a, b, c, d] = this.tmp as [Local, Local, Local, Local];
    const at = (e: number): number => this.plan.quantized + (e * this.plan.stride + field.offset) * 4;
    if (w === 1) {
      for (let e = 0; e < 4; e++) {
        f.localGet(this.q4).localGet(s0).lane("i32x4.extract_lane", e).store("i32.store", at(e));
      }
      return;
    }
    // a = s0.0 s1.0 s0.1 s1.1, c = s0.2 s1.2 s0.3 s1.3 (i64 lanes: entries' slots 0-1)
    f.localGet(s0).localGet(s1).shuffle(ZIP_LOW).localSet(a);
    f.localGet(s0).localGet(s1).shuffle(ZIP_HIGH).localSet(c);
    if (w === 2) {
      for (let e = 0; e < 4; e++) {
        f.localGet(this.q4)
          .localGet(e < 2 ? a : c)
          .lane("i64x2.extract_lane", e & 1);
        f.store("i64.store", at(e), 0);
      }
      return;
    }
    const third = w === 4 ? s3 : s2;
    f.localGet(s2).localGet(third).shuffle(ZIP_LOW).localSet(b);
    f.localGet(s2).localGet(third).shuffle(ZIP_HIGH).localSet(d);
    const whole = this.whole.has(field.offset);
    for (let e = 0; e < 4; e++) {
      const [lo, hi] = e < 2 ? [a, b] : [c, d];
      const row = (): WasmFunction =>
        f
          .localGet(lo)
          .localGet(hi)
          .shuffle(e % 2 === 0 ? LOW_LOW : HIGH_HIGH);
      f.localGet(this.q4);
      if (whole) {
        row().store("v128.store", at(e), 0);
        continue;
      }
      row().localTee(s3);
      f.lane("i64x2.extract_lane", 0).store("i64.store", at(e), 0);
      f.localGet(this.q4)
        .localGet(s3)
        .lane("i32x4.extract_lane", 2)
        .store("i32.store", at(e) + 8);
    }
  }
}
