/**
 * Code generation of the WebAssembly capture kernel (wasmCapture.ts): the JS capture kernel's
 * quantization (fieldAccess.ts quantizeSource) and row update (worldKernels.ts captureSource)
 * emitted as wasm for one registry's CapturePlan, every constant inlined. Exported function
 * `capture(values, present, mask, version, n)`: the four are the byte addresses of the state's
 * arrays, `n` the batch entries gathered into the scratch (capturePlan.ts); the version counter
 * and high water are read from and written back to scratch words 0 and 1.
 *
 * Two passes: every field's quantization runs straight-line over the batch's raw columns into
 * the quantized columns (two entities per f64x2 with SIMD: the same IEEE operations per lane, so
 * the same integers), then one loop over the entries compares each present field with the row,
 * writes it, and bumps present/mask/high water/version exactly as the JS kernel does.
 */
import type { CaptureField, CapturePlan, LinearSlot } from "./capturePlan";
import { WasmModule, type Local, type WasmFunction } from "./wasmModule";

/** fieldAccess.ts ROUND_SOURCE's one x where floor(x + 0.5) is not Math.round(x) (→ 0). */
const ROUND_EXCEPTION = 0.49999999999999994;

/** Emits the kernel function into `mod` (exported as "capture"). */
export function emitCapture(mod: WasmModule, plan: CapturePlan, simd: boolean): void {
  const f = mod.function("capture", ["i32", "i32", "i32", "i32", "i32"], []);
  const [values, present, mask, version, n] = [0, 1, 2, 3, 4].map((i) => f.param(i)) as [
    Local,
    Local,
    Local,
    Local,
    Local,
  ];
  const i = f.local("i32");
  const a4 = f.local("i32");
  const a8 = f.local("i32");
  const quantize = simd ? new SimdQuantizer(f, plan, a4, a8) : new ScalarQuantizer(f, plan, a4, a8);
  const exit = f.block();
  f.localGet(n).i32Const(0).op("i32.le_s").brIf(exit);
  for (const field of plan.fields) {
    f.i32Const(0).localSet(i).i32Const(0).localSet(a4).i32Const(0).localSet(a8);
    const top = f.loop();
    if (field.kind === "linear") field.slots.forEach((z, s) => quantize.linear(field.offset + s, z));
    else quantize.quat(field);
    const lanes = simd ? 2 : 1;
    f.localGet(a4)
      .i32Const(4 * lanes)
      .op("i32.add")
      .localSet(a4);
    f.localGet(a8)
      .i32Const(8 * lanes)
      .op("i32.add")
      .localSet(a8);
    f.localGet(i).i32Const(lanes).op("i32.add").localTee(i).localGet(n).op("i32.lt_s").brIf(top);
    f.end(top);
  }
  emitRows(f, plan, { values, present, mask, version, n, i, a4 });
  f.end(exit);
  mod.export("capture", f);
}

/** The row update pass's locals. */
interface RowLocals {
  readonly values: Local;
  readonly present: Local;
  readonly mask: Local;
  readonly version: Local;
  readonly n: Local;
  readonly i: Local;
  readonly a4: Local;
}

/** worldKernels.ts captureSource's per-entity row update, from the quantized columns. */
function emitRows(f: WasmFunction, plan: CapturePlan, l: RowLocals): void {
  const i32 = (): Local => f.local("i32");
  const [id, m, row, changed, vc, hw, q, at] = [i32(), i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const B = plan.batch;
  f.i32Const(0).load("i32.load").localSet(vc);
  f.i32Const(0).load("i32.load", 4).localSet(hw);
  f.i32Const(0).localSet(l.i).i32Const(0).localSet(l.a4);
  const top = f.loop();
  f.localGet(l.a4).load("i32.load", plan.ids).localSet(id);
  f.localGet(l.a4).load("i32.load", plan.masks).localSet(m);
  f.localGet(id)
    .i32Const(plan.stride * 4)
    .op("i32.mul")
    .localGet(l.values)
    .op("i32.add")
    .localSet(row);
  // changed = present[id] !== 1
  f.localGet(l.present).localGet(id).op("i32.add").load("i32.load8_u").i32Const(1).op("i32.ne");
  f.localSet(changed);
  for (const field of plan.fields) {
    f.localGet(m).i32Const(field.bit).op("i32.and");
    const has = f.if();
    for (let s = field.offset; s < field.offset + field.width; s++) {
      f.localGet(l.a4)
        .load("i32.load", plan.quantized + s * B * 4)
        .localSet(q);
      f.localGet(row)
        .load("i32.load", s * 4)
        .localGet(q)
        .op("i32.ne")
        .localGet(changed)
        .op("i32.or")
        .localSet(changed);
      f.localGet(row)
        .localGet(q)
        .store("i32.store", s * 4);
    }
    f.end(has);
  }
  // changed ||= mask[id] !== m
  f.localGet(id).i32Const(2).op("i32.shl").localTee(at).localGet(l.mask).op("i32.add");
  f.load("i32.load").localGet(m).op("i32.ne").localGet(changed).op("i32.or");
  const write = f.if();
  f.localGet(l.present).localGet(id).op("i32.add").i32Const(1).store("i32.store8");
  f.localGet(l.mask).localGet(at).op("i32.add").localGet(m).store("i32.store");
  // hw = max(hw, id + 1); vc = (vc + 1) >>> 0 || 1
  f.localGet(id).i32Const(1).op("i32.add").localGet(hw);
  f.localGet(id).localGet(hw).op("i32.ge_s").op("select").localSet(hw);
  f.localGet(vc).i32Const(1).op("i32.add").localTee(vc).op("i32.eqz").localGet(vc).op("i32.or").localSet(vc);
  f.localGet(l.version).localGet(at).op("i32.add").localGet(vc).store("i32.store");
  f.end(write);
  f.localGet(l.a4).i32Const(4).op("i32.add").localSet(l.a4);
  f.localGet(l.i).i32Const(1).op("i32.add").localTee(l.i).localGet(l.n).op("i32.lt_s").brIf(top);
  f.end(top);
  f.i32Const(0).localGet(vc).store("i32.store");
  f.i32Const(0).localGet(hw).store("i32.store", 4);
}

/** Emits one field's quantization of the current batch entry (or pair) into its quantized columns. */
interface Quantizer {
  linear(column: number, z: LinearSlot): void;
  quat(field: CaptureField & { kind: "quat" }): void;
}

/** One entry at a time, in f64 (fieldAccess.ts quantizeSource expression for expression). */
class ScalarQuantizer implements Quantizer {
  private readonly v: Local;
  private readonly t: Local;
  private readonly r: Local;
  private readonly largest: Local;
  private readonly valid: Local;
  private readonly c: Local[];
  private readonly best: Local;
  private readonly a: Local;
  private readonly len: Local;
  private readonly l1: Local;
  private readonly sign: Local;

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    private readonly a4: Local,
    private readonly a8: Local,
  ) {
    const d = (): Local => f.local("f64");
    [this.v, this.t, this.best, this.a, this.len, this.l1, this.sign] = [d(), d(), d(), d(), d(), d(), d()];
    this.c = [d(), d(), d(), d()];
    [this.r, this.largest, this.valid] = [f.local("i32"), f.local("i32"), f.local("i32")];
  }

  private load(column: number, into: Local): void {
    this.f
      .localGet(this.a8)
      .load("f64.load", this.plan.raw + column * this.plan.batch * 8)
      .localSet(into);
  }

  private storeTo(column: number): void {
    this.f.store("i32.store", this.plan.quantized + column * this.plan.batch * 4);
  }

  /** Pushes round(t) as an i32 (ROUND_SOURCE: floor(t + 0.5) | 0, 0 at the exception; NaN → 0). */
  private round(t: Local): void {
    const f = this.f;
    f.i32Const(0);
    f.localGet(t).f64Const(0.5).op("f64.add").op("f64.floor").op("i32.trunc_sat_f64_s");
    f.localGet(t).f64Const(ROUND_EXCEPTION).op("f64.eq").op("select");
  }

  linear(column: number, z: LinearSlot): void {
    const { f, v, t } = this;
    this.load(column, v);
    f.localGet(v).f64Const(z.min).op("f64.sub");
    if (z.inverse !== undefined) f.f64Const(z.inverse).op("f64.mul");
    else f.f64Const(z.step).op("f64.div");
    f.localSet(t);
    f.localGet(this.a4);
    // !(v > min) ? 0 : v >= max ? maxValue : round(t)
    f.i32Const(z.maxValue);
    this.round(t);
    f.localGet(v).f64Const(z.max).op("f64.ge").op("select");
    f.i32Const(0);
    f.localGet(v).f64Const(z.min).op("f64.gt").op("select");
    this.storeTo(column);
  }

  quat(field: CaptureField & { kind: "quat" }): void {
    const { f, best, a, len, l1, sign, largest, valid, t, r } = this;
    const [x, y, z, w] = this.c as [Local, Local, Local, Local];
    [x, y, z, w].forEach((c, k) => this.load(field.offset + k, c));
    f.localGet(x).op("f64.abs").localSet(best);
    f.i32Const(0).localSet(largest);
    [y, z, w].forEach((c, k) => {
      // if (|c| > best) { largest = k + 1; best = |c|; }
      f.localGet(c).op("f64.abs").localTee(a).localGet(best).op("f64.gt").localSet(valid);
      f.i32Const(k + 1)
        .localGet(largest)
        .localGet(valid)
        .op("select")
        .localSet(largest);
      if (k < 2) f.localGet(a).localGet(best).localGet(valid).op("select").localSet(best);
    });
    const square = (c: Local): WasmFunction => f.localGet(c).localGet(c).op("f64.mul");
    square(x);
    square(y).op("f64.add");
    square(z).op("f64.add");
    square(w).op("f64.add").op("f64.sqrt").localSet(len);
    // A zero or non-finite quaternion quantizes as identity.
    f.localGet(len).f64Const(1e-12).op("f64.gt").localGet(len).f64Const(Infinity).op("f64.lt");
    f.op("i32.and").localSet(valid);
    [x, y, z, w].forEach((c, k) => {
      f.localGet(c)
        .f64Const(k === 3 ? 1 : 0)
        .localGet(valid)
        .op("select")
        .localSet(c);
    });
    f.localGet(largest).i32Const(3).localGet(valid).op("select").localSet(largest);
    const isLargest = (k: number): WasmFunction => f.localGet(largest).i32Const(k).op("i32.eq");
    // sign = big < 0 ? -1 / (len || 1) : 1 / (len || 1)
    f.localGet(len).f64Const(1).localGet(len).f64Const(0).op("f64.gt").op("select").localSet(l1);
    f.f64Const(-1).localGet(l1).op("f64.div").f64Const(1).localGet(l1).op("f64.div");
    f.localGet(x).localGet(y).localGet(z).localGet(w);
    isLargest(2).op("select");
    isLargest(1).op("select");
    isLargest(0).op("select");
    f.f64Const(0).op("f64.lt").op("select").localSet(sign);
    f.localGet(this.a4).localGet(largest);
    this.storeTo(field.offset);
    const sources: [Local, Local, () => void][] = [
      [y, x, () => isLargest(0)],
      [z, y, () => f.localGet(largest).i32Const(1).op("i32.le_s")],
      [w, z, () => f.localGet(largest).i32Const(2).op("i32.le_s")],
    ];
    sources.forEach(([yes, no, cond], k) => {
      f.localGet(yes).localGet(no);
      cond();
      f.op("select").localGet(sign).op("f64.mul").f64Const(Math.SQRT1_2).op("f64.add");
      f.f64Const(field.scale).op("f64.mul").localSet(t);
      this.round(t);
      f.localSet(r);
      // v < 0 ? 0 : v > maxValue ? maxValue : v
      f.localGet(this.a4).i32Const(0);
      f.i32Const(field.maxValue).localGet(r).localGet(r).i32Const(field.maxValue).op("i32.gt_s").op("select");
      f.localGet(r).i32Const(0).op("i32.lt_s").op("select");
      this.storeTo(field.offset + k + 1);
    });
  }
}

/** Two entries at a time in f64x2 lanes: the scalar path's IEEE operations per lane, selects as lane masks. */
class SimdQuantizer implements Quantizer {
  private readonly v: Local[];

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    private readonly a4: Local,
    private readonly a8: Local,
  ) {
    this.v = Array.from({ length: 16 }, () => f.local("v128"));
  }

  private splat(c: number): WasmFunction {
    return this.f.v128Const(new Uint8Array(Float64Array.of(c, c).buffer));
  }

  /** i64x2 lanes of small integer `k`. */
  private lanes(k: number): WasmFunction {
    return this.f.v128ConstI32(k, 0, k, 0);
  }

  private load(column: number, into: Local): void {
    this.f
      .localGet(this.a8)
      .load("v128.load", this.plan.raw + column * this.plan.batch * 8)
      .localSet(into);
  }

  /** Stores the two low i32 lanes on the stack to `column` (entries i, i + 1). */
  private store2(column: number): void {
    const f = this.f;
    f.lane("i64x2.extract_lane", 0).store("i64.store", this.plan.quantized + column * this.plan.batch * 4);
  }

  /** Pushes round(t) per lane as f64 (ROUND_SOURCE; the caller truncates). */
  private round(t: Local): void {
    const f = this.f;
    this.splat(0);
    f.localGet(t);
    this.splat(0.5);
    f.op("f64x2.add").op("f64x2.floor").localGet(t);
    this.splat(ROUND_EXCEPTION);
    f.op("f64x2.eq").op("v128.bitselect");
  }

  linear(column: number, z: LinearSlot): void {
    const f = this.f;
    const [v, t] = this.v as [Local, Local];
    this.load(column, v);
    f.localGet(v);
    this.splat(z.min).op("f64x2.sub");
    if (z.inverse !== undefined) this.splat(z.inverse).op("f64x2.mul");
    else this.splat(z.step).op("f64x2.div");
    f.localSet(t);
    f.localGet(this.a4);
    // bitselect(a, b, m) = m ? a : b per lane.
    this.splat(z.maxValue);
    this.round(t);
    f.localGet(v);
    this.splat(z.max).op("f64x2.ge").op("v128.bitselect");
    this.splat(0);
    f.localGet(v);
    this.splat(z.min).op("f64x2.gt").op("v128.bitselect");
    f.op("i32x4.trunc_sat_f64x2_s_zero");
    this.store2(column);
  }

  quat(field: CaptureField & { kind: "quat" }): void {
    const f = this.f;
    const [x, y, z, w, best, a, m, lg, len, valid, l1, sign, e0, e1, e3, t] = this.v as [
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
      Local,
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
    [x, y, z, w].forEach((c, k) => this.load(field.offset + k, c));
    f.localGet(x).op("f64x2.abs").localSet(best);
    this.lanes(0).localSet(lg);
    [y, z, w].forEach((c, k) => {
      f.localGet(c).op("f64x2.abs").localTee(a).localGet(best).op("f64x2.gt").localSet(m);
      this.lanes(k + 1)
        .localGet(lg)
        .localGet(m)
        .op("v128.bitselect")
        .localSet(lg);
      if (k < 2) f.localGet(a).localGet(best).localGet(m).op("v128.bitselect").localSet(best);
    });
    const square = (c: Local): WasmFunction => f.localGet(c).localGet(c).op("f64x2.mul");
    square(x);
    square(y).op("f64x2.add");
    square(z).op("f64x2.add");
    square(w).op("f64x2.add").op("f64x2.sqrt").localSet(len);
    f.localGet(len);
    this.splat(1e-12).op("f64x2.gt").localGet(len);
    this.splat(Infinity).op("f64x2.lt").op("v128.and").localSet(valid);
    [x, y, z, w].forEach((c, k) => {
      f.localGet(c);
      this.splat(k === 3 ? 1 : 0)
        .localGet(valid)
        .op("v128.bitselect")
        .localSet(c);
    });
    f.localGet(lg);
    this.lanes(3).localGet(valid).op("v128.bitselect").localSet(lg);
    const eq = (k: number, into: Local): void => {
      f.localGet(lg);
      this.lanes(k).op("i64x2.eq").localSet(into);
    };
    eq(0, e0);
    eq(1, e1);
    eq(3, e3);
    f.localGet(len);
    this.splat(1).localGet(len);
    this.splat(0).op("f64x2.gt").op("v128.bitselect").localSet(l1);
    this.splat(-1).localGet(l1).op("f64x2.div");
    this.splat(1).localGet(l1).op("f64x2.div");
    // big = largest 0 ? x : 1 ? y : 2 ? z : w (e2 = not e0, e1, e3)
    f.localGet(x).localGet(y).localGet(w).localGet(z).localGet(e3).op("v128.bitselect");
    f.localGet(e1).op("v128.bitselect").localGet(e0).op("v128.bitselect");
    this.splat(0).op("f64x2.lt").op("v128.bitselect").localSet(sign);
    // largest as i32 lanes 0, 1
    f.localGet(this.a4).localGet(lg).localGet(lg);
    f.shuffle([0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
    this.store2(field.offset);
    const sources: [Local, Local, () => void][] = [
      [y, x, () => f.localGet(e0)],
      [z, y, () => f.localGet(e0).localGet(e1).op("v128.or")],
      [w, z, () => f.localGet(e3).op("v128.not")],
    ];
    sources.forEach(([yes, no, cond], k) => {
      f.localGet(yes).localGet(no);
      cond();
      f.op("v128.bitselect").localGet(sign).op("f64x2.mul");
      this.splat(Math.SQRT1_2).op("f64x2.add");
      this.splat(field.scale).op("f64x2.mul").localSet(t);
      f.localGet(this.a4);
      this.round(t);
      f.op("i32x4.trunc_sat_f64x2_s_zero");
      f.v128ConstI32(0, 0, 0, 0).op("i32x4.max_s");
      f.v128ConstI32(field.maxValue, field.maxValue, field.maxValue, field.maxValue).op("i32x4.min_s");
      this.store2(field.offset + k + 1);
    });
  }
}

/** The kernel module's bytes for `plan` (emission errors are bugs and throw). */
export function captureModule(plan: CapturePlan, simd: boolean): Uint8Array<ArrayBuffer> {
  const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
  emitCapture(mod, plan, simd);
  return mod.toBytes();
}
