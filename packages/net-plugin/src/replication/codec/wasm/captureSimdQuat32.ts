/**
 * The SIMD capture kernel's rotation quantizer (captureSimd.ts SimdQuantizer, four entries per
 * iteration): protocol/quantize.ts quantizeQuat in f32x4 lanes, four entries an operation — the
 * components rounded to float32 (exact for Float32 columns, `f32x4.demote_f64x2_zero` for
 * Float64 ones: Math.fround), the largest (first of equals), its sign and the other three in
 * order chosen as lane masks, the length ((x² + y²) + z²) + w² (in f64x2 halves: the squares
 * exact, the sums in f64, each half's result rounded once to f32) and its square root, k = scale /
 * length with the largest's sign, and per other component the slot floor(c · k) + 2^(bits−1)
 * clamped to 0..maxValue — float32 operations, so the JS kernels' integers. A zero or non-finite
 * rotation is identity: largest 3, every slot 2^(bits−1) (selected by the validity mask; the
 * invalid lanes' arithmetic, NaN included, is discarded — `trunc_sat` never traps). The slot
 * vectors go to SlotRows (stored transposed).
 */
import { QUAT_MIN_LENGTH32 } from "../../../protocol/quantize";
import type { CaptureColumn, InlineField } from "./capturePlan";
import type { Pair, SimdQuantizer } from "./captureSimd";
import type { Local, WasmFunction } from "./wasmModule";

/** All bits but the sign of an f32 lane. */
const ABS_MASK = 0x7fffffff;
/** The sign bit of an f32 lane. */
const SIGN_MASK = -0x80000000;

/** Lanes 2-3 of a vector moved to lanes 0-1 (for the second promote_low). */
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
/** Lanes 0-1 of the first vector then lanes 0-1 of the second (i32/f32 lanes). */
const LOW_LOW = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/** The f32x4 rotation path's locals and emission (see the file comment). */
export class Quat32 {
  /** The loaded x, y, z, w (f32x4, lane e = entry e of the iteration). */
  private readonly raw: Local[];
  private readonly best: Local;
  private readonly abs: Local;
  private readonly sel: Local;
  private readonly lg: Local;
  private readonly big: Local;
  private readonly others: Local[];
  private readonly k: Local;
  private readonly valid: Local;

  constructor(private readonly s: SimdQuantizer) {
    const v = (): Local => s.f.local("v128");
    this.raw = [v(), v(), v(), v()];
    [this.best, this.abs, this.sel, this.lg, this.big, this.k, this.valid] = [
      v(),
      v(),
      v(),
      v(),
      v(),
      v(),
      v(),
    ];
    this.others = [v(), v(), v()];
  }

  /** Hoists the path's constants of `field` (before the loops). */
  prepare(field: InlineField & { kind: "quat" }): void {
    const half = (field.maxValue + 1) / 2;
    for (const k of [0, 1, 2, 3, ABS_MASK, SIGN_MASK, half, field.maxValue]) this.i32s(k, true);
    for (const c of [QUAT_MIN_LENGTH32, Infinity, field.scale]) this.f32s(c, true);
  }

  private i32s(k: number, hoist = false): WasmFunction {
    return this.s.constant(new Uint8Array(Int32Array.of(k, k, k, k).buffer), hoist);
  }

  private f32s(c: number, hoist = false): WasmFunction {
    return this.s.constant(new Uint8Array(Float32Array.of(c, c, c, c).buffer), hoist);
  }

  /**
   * Loads the four entries' x, y, z, w as float32 lanes: one v128 per Float32 column (two,
   * demoted and joined, per Float64 column) when their ids are consecutive, else lane by lane.
   */
  load(field: InlineField, run: Local | undefined): void {
    const f = this.s.f;
    const [a, b] = this.s.pairs as [Pair, Pair];
    const readers = [a.first, a.second, b.first, b.second];
    const gather = (): void =>
      field.columns.forEach((col: CaptureColumn, k) => {
        readers.forEach((reader, e) => {
          reader.channel(col);
          f.op("f32.demote_f64"); // Math.fround (exact for a Float32 column's value)
          if (e === 0) f.op("f32x4.splat");
          else f.lane("f32x4.replace_lane", e);
        });
        f.localSet(this.raw[k] as Local);
      });
    if (run === undefined) {
      gather();
      return;
    }
    f.localGet(run);
    const consecutive = f.if();
    field.columns.forEach((col, k) => {
      if (col.f64) {
        f.localGet(a.first.o8).load("v128.load", col.address, 0).op("f32x4.demote_f64x2_zero");
        f.localGet(a.first.o8)
          .load("v128.load", col.address + 16, 0)
          .op("f32x4.demote_f64x2_zero");
        f.shuffle(LOW_LOW);
      } else f.localGet(a.first.o4).load("v128.load", col.address, 0);
      f.localSet(this.raw[k] as Local);
    });
    f.else();
    gather();
    f.end(consecutive);
  }

  /** Emits the quantization of the loaded rotation into the rows (SlotRows). */
  emit(field: InlineField & { kind: "quat" }): void {
    const { s } = this;
    const f = s.f;
    const [x, y, z, w] = this.raw as [Local, Local, Local, Local];
    const [c0, c1, c2] = this.others as [Local, Local, Local];
    const { best, abs, sel, lg, big, k, valid } = this;
    // Largest |component| (strict >: first of equals), its value, the other three in order.
    // |v| as v & 0x7fffffff (f32x4.abs is three instructions in V8's x64 code, this one).
    f.localGet(x);
    this.i32s(ABS_MASK).op("v128.and").localSet(best);
    this.i32s(0).localSet(lg);
    f.localGet(x).localSet(big);
    f.localGet(y).localSet(c0);
    f.localGet(z).localSet(c1);
    f.localGet(w).localSet(c2);
    const choose = (i: number, c: Local, before: Local[]): void => {
      f.localGet(c);
      this.i32s(ABS_MASK).op("v128.and").localTee(abs).localGet(best).op("f32x4.gt").localSet(sel);
      if (i < 3) f.localGet(best).localGet(abs).op("f32x4.pmax").localSet(best);
      f.localGet(lg);
      this.i32s(i).localGet(sel).op("v128.and").op("i32x4.max_s").localSet(lg);
      f.localGet(c).localGet(big).localGet(sel).op("v128.bitselect").localSet(big);
      // The others: the components before the largest, then those after it.
      before.forEach((prev, j) => {
        const into = this.others[j] as Local;
        f.localGet(prev).localGet(into).localGet(sel).op("v128.bitselect").localSet(into);
      });
    };
    choose(1, y, [x]);
    choose(2, z, [x, y]);
    choose(3, w, [x, y, z]);
    // len = sqrt(((x² + y²) + z²) + w²) (in k): the squares and sums in f64x2 (exact squares, two
    // entries a half), each half rounded to f32 and the halves joined; valid = len > min && len < ∞
    for (const high of [false, true]) {
      [x, y, z, w].forEach((c, i) => {
        f.localGet(c);
        if (high) f.localGet(c).shuffle(HIGH_TO_LOW);
        f.op("f64x2.promote_low_f32x4").localTee(abs).localGet(abs).op("f64x2.mul");
        if (i > 0) f.op("f64x2.add");
      });
      f.op("f32x4.demote_f64x2_zero");
    }
    f.shuffle(LOW_LOW).op("f32x4.sqrt").localTee(k);
    this.f32s(QUAT_MIN_LENGTH32).op("f32x4.gt").localGet(k);
    this.f32s(Infinity).op("f32x4.lt").op("v128.and").localSet(valid);
    // k = scale / len with big's sign bit (-(a / b) is exactly -a / b)
    this.f32s(field.scale).localGet(k).op("f32x4.div").localGet(big);
    this.i32s(SIGN_MASK).op("v128.and").op("v128.xor").localSet(k);
    // Largest: 3 for an invalid rotation (max(lg, 3 & ~valid)).
    f.localGet(lg);
    this.i32s(3).localGet(valid).op("v128.andnot").op("i32x4.max_s");
    const rows = s.rows;
    rows.set(0);
    const half = (field.maxValue + 1) / 2;
    [c0, c1, c2].forEach((c, i) => {
      // valid ? clamp(floor(c · k) + 2^(bits-1), 0, maxValue) : 2^(bits-1)
      f.localGet(c).localGet(k).op("f32x4.mul").op("f32x4.floor").op("i32x4.trunc_sat_f32x4_s");
      this.i32s(half).op("i32x4.add");
      this.i32s(0).op("i32x4.max_s");
      this.i32s(field.maxValue).op("i32x4.min_s");
      this.i32s(half).localGet(valid).op("v128.bitselect");
      rows.set(i + 1);
    });
    rows.store(field);
  }
}
