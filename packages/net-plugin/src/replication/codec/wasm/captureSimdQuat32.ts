/**
 * The SIMD capture kernel's rotation quantizer for Float32 columns (captureSimd.ts SimdQuantizer,
 * four entries per iteration): the largest component (first of equals), its value and the other
 * three in order are chosen in f32x4 lanes, four entries an operation — a comparison of two
 * float32 values is the comparison of their doubles, and the chosen values are widened exactly
 * afterwards — then per f64x2 pair, as captureSimdQuat.ts does: the length from the widened
 * components, validity, 1 / len, the sign of the largest, three slots (SlotRows: joined, clamped,
 * stored transposed). A zero or non-finite rotation is identity: largest 3, and its slots
 * (0 · sign + SQRT1_2) · scale from the components masked to 0 and an inverse masked to +0 — the
 * JS kernel's integers (its 1 / (len || 1) is finite, so 0 · sign is ±0 either way).
 */
import type { CaptureColumn, InlineField } from "./capturePlan";
import type { Pair, SimdQuantizer } from "./captureSimd";
import { SlotRows } from "./captureSimdRows";
import type { Local, WasmFunction } from "./wasmModule";

/** All bits but the sign of an f32 lane. */
const ABS_MASK = 0x7fffffff;

/** Lanes 2-3 of a vector moved to lanes 0-1 (for the second pair's promote_low). */
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];

/** True when `field` takes this path: a rotation over four Float32 columns whose slots SlotRows stores. */
export function isQuat32(field: InlineField): field is InlineField & { kind: "quat" } {
  return field.kind === "quat" && field.columns.every((c) => !c.f64) && SlotRows.fits(field);
}

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

  constructor(private readonly s: SimdQuantizer) {
    const v = (): Local => s.f.local("v128");
    this.raw = [v(), v(), v(), v()];
    [this.best, this.abs, this.sel, this.lg, this.big] = [v(), v(), v(), v(), v()];
    this.others = [v(), v(), v()];
  }

  /** Hoists the path's i32x4 constants (before the loops). */
  prepare(): void {
    for (const k of [1, 2, 3, ABS_MASK]) this.i32s(k, true);
  }

  private i32s(k: number, hoist = false): WasmFunction {
    return this.s.constant(new Uint8Array(Int32Array.of(k, k, k, k).buffer), hoist);
  }

  /** Loads the four entries' x, y, z, w: one v128 per column when their ids are consecutive, else lane by lane. */
  load(field: InlineField, run: Local | undefined): void {
    const f = this.s.f;
    const [a, b] = this.s.pairs as [Pair, Pair];
    const readers = [a.first, a.second, b.first, b.second];
    const gather = (): void =>
      field.columns.forEach((col: CaptureColumn, k) => {
        readers.forEach((reader, e) => {
          reader.channel(col);
          f.op("f32.demote_f64"); // exact: the value was a float32
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
      f.localGet(a.first.o4)
        .load("v128.load", col.address, 0)
        .localSet(this.raw[k] as Local);
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
    const { best, abs, sel, lg, big } = this;
    // Largest |component| (strict >: first of equals), its value, the other three in order.
    // |v| as v & 0x7fffffff (f32x4.abs is three instructions in V8's x64 code, this one).
    f.localGet(x);
    this.i32s(ABS_MASK).op("v128.and").localSet(best);
    f.v128ConstI32(0, 0, 0, 0).localSet(lg);
    f.localGet(x).localSet(big);
    f.localGet(y).localSet(c0);
    f.localGet(z).localSet(c1);
    f.localGet(w).localSet(c2);
    const choose = (k: number, c: Local, before: Local[]): void => {
      f.localGet(c);
      this.i32s(ABS_MASK).op("v128.and").localTee(abs).localGet(best).op("f32x4.gt").localSet(sel);
      if (k < 3) f.localGet(best).localGet(abs).op("f32x4.pmax").localSet(best);
      f.localGet(lg);
      this.i32s(k).localGet(sel).op("v128.and").op("i32x4.max_s").localSet(lg);
      f.localGet(c).localGet(big).localGet(sel).op("v128.bitselect").localSet(big);
      // The others: the components before the largest, then those after it.
      before.forEach((prev, i) => {
        const into = this.others[i] as Local;
        f.localGet(prev).localGet(into).localGet(sel).op("v128.bitselect").localSet(into);
      });
    };
    choose(1, y, [x]);
    choose(2, z, [x, y]);
    choose(3, w, [x, y, z]);
    // Per pair: widened lanes, length, validity, inverse, sign.
    const half = (p: Pair, v: Local): WasmFunction => {
      f.localGet(v);
      if (p.at !== 0) f.localGet(v).shuffle(HIGH_TO_LOW);
      return f.op("f64x2.promote_low_f32x4");
    };
    const named = (p: Pair): Local[] => p.v;
    s.both((p) => {
      const [xd, yd, zd, wd, len] = named(p) as [Local, Local, Local, Local, Local];
      [x, y, z, w].forEach((c, i) => half(p, c).localSet([xd, yd, zd, wd][i] as Local));
      const square = (c: Local): WasmFunction => f.localGet(c).localGet(c).op("f64x2.mul");
      square(xd);
      square(yd).op("f64x2.add");
      square(zd).op("f64x2.add");
      square(wd).op("f64x2.add").op("f64x2.sqrt").localSet(len);
    });
    s.both((p) => {
      const [, , , , len, valid, inv, sign] = named(p) as [
        Local,
        Local,
        Local,
        Local,
        Local,
        Local,
        Local,
        Local,
      ];
      f.localGet(len);
      s.splat(1e-12).op("f64x2.gt").localGet(len);
      s.splat(Infinity).op("f64x2.lt").op("v128.and").localSet(valid);
      s.splat(1).localGet(len).op("f64x2.div").localGet(valid).op("v128.and").localSet(inv);
      // sign = big < 0 ? -inv : inv, as inv with big's sign bit (-1 / l is exactly -(1 / l))
      half(p, big);
      s.splat(-0).op("v128.and").localGet(inv).op("v128.xor").localSet(sign);
    });
    const rows = s.rows;
    // Largest: 3 for an invalid rotation (max(lg, 3 & ~valid), validity joined to i32 lanes).
    const [pa, pb] = s.pairs as [Pair, Pair];
    f.localGet(lg);
    this.i32s(3);
    f.localGet(pa.v[5] as Local).localGet(pb.v[5] as Local);
    f.shuffle([0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]);
    f.op("v128.andnot").op("i32x4.max_s");
    rows.set(0);
    [c0, c1, c2].forEach((c, k) => {
      s.both((p) => {
        const [, , , , , valid, , sign, t] = named(p) as [
          Local,
          Local,
          Local,
          Local,
          Local,
          Local,
          Local,
          Local,
          Local,
        ];
        half(p, c).localGet(valid).op("v128.and").localGet(sign).op("f64x2.mul");
        s.splat(Math.SQRT1_2).op("f64x2.add");
        s.splat(field.scale).op("f64x2.mul").localSet(t);
        rows.pair(p, t, field.maxValue);
      });
      rows.join(k + 1, s.pairs);
    });
    rows.store(field);
  }
}
