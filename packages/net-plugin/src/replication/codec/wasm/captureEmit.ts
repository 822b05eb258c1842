/**
 * Code generation of the WebAssembly capture kernel (wasmCapture.ts): the JS capture kernel's
 * quantization (fieldAccess.ts quantizeSource) and row update (worldKernels.ts captureSource)
 * emitted as wasm for one registry's CapturePlan, every constant inlined. Exported function
 * `capture(values, present, mask, version, n)`: the four are the byte addresses of the state's
 * arrays, `n` the batch entries gathered into the scratch (capturePlan.ts); the version counter
 * and high water are read from and written back to scratch words 0 and 1.
 *
 * Two passes: every field's quantization runs straight-line over the batch (channel values read
 * by entity id from the column copies) into the quantized columns (two entities per f64x2 with
 * SIMD: the same IEEE operations per lane, so the same integers), then one loop over the entries
 * compares each present field with the row, writes it, and bumps present/mask/high water/version
 * exactly as the JS kernel does.
 */
import type { CaptureColumn, CaptureField, CapturePlan } from "./capturePlan";
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
  const quantize = simd ? new SimdQuantizer(f, plan, a4) : new ScalarQuantizer(f, plan, a4);
  const exit = f.block();
  f.localGet(n).i32Const(0).op("i32.le_s").brIf(exit);
  for (const field of plan.fields) quantize.prepare(field);
  for (const field of plan.fields) {
    f.i32Const(0).localSet(i).i32Const(0).localSet(a4);
    const top = f.loop();
    quantize.entities();
    if (field.kind === "linear") field.slots.forEach((_, s) => quantize.linear(field, s));
    else quantize.quat(field);
    const lanes = simd ? 2 : 1;
    f.localGet(a4)
      .i32Const(4 * lanes)
      .op("i32.add")
      .localSet(a4);
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
  /** Before the loops: hoists `field`'s constants into locals (SIMD). */
  prepare(field: CaptureField): void;
  /** At the top of a loop iteration: loads the entry's (or pair's) entity ids. */
  entities(): void;
  linear(field: CaptureField & { kind: "linear" }, s: number): void;
  quat(field: CaptureField & { kind: "quat" }): void;
}

/**
 * Reads channel values of one batch entry's entity: `load()` takes its id from the scratch (and,
 * when the gather already clamped it, its byte offsets in f32 and f64 columns), `channel(col)`
 * pushes its value of `col` as an f64 (a float32 widened exactly; past the column's length, its
 * `past` element).
 */
class EntityReader {
  private readonly eid: Local;
  private readonly o4: Local;
  private readonly o8: Local;

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    /** Byte offset of the entry's id from the batch cursor (0, or 4 for a pair's second). */
    private readonly at: number,
  ) {
    [this.eid, this.o4, this.o8] = [f.local("i32"), f.local("i32"), f.local("i32")];
  }

  load(a4: Local): void {
    const f = this.f;
    f.localGet(a4)
      .load("i32.load", this.plan.eids + this.at)
      .localSet(this.eid);
    if (this.plan.columnLength === undefined) return;
    f.localGet(this.eid).i32Const(2).op("i32.shl").localSet(this.o4);
    f.localGet(this.eid).i32Const(3).op("i32.shl").localSet(this.o8);
  }

  channel(col: CaptureColumn): void {
    const f = this.f;
    if (this.plan.columnLength !== undefined) f.localGet(col.f64 ? this.o8 : this.o4);
    else {
      f.localGet(this.eid).i32Const(col.length).localGet(this.eid).i32Const(col.length);
      f.op("i32.lt_u")
        .op("select")
        .i32Const(col.f64 ? 3 : 2)
        .op("i32.shl");
    }
    if (col.f64) f.load("f64.load", col.address);
    else f.load("f32.load", col.address).op("f64.promote_f32");
  }
}

/** One entry at a time, in f64 (fieldAccess.ts quantizeSource expression for expression). */
class ScalarQuantizer implements Quantizer {
  private readonly entry: EntityReader;
  private readonly v: Local;
  private readonly t: Local;
  private readonly r: Local;
  private readonly largest: Local;
  private readonly valid: Local;
  private readonly c: Local[];
  private readonly best: Local;
  private readonly a: Local;
  private readonly len: Local;
  private readonly inv: Local;
  private readonly sign: Local;

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    private readonly a4: Local,
  ) {
    const d = (): Local => f.local("f64");
    [this.v, this.t, this.best, this.a, this.len, this.inv, this.sign] = [d(), d(), d(), d(), d(), d(), d()];
    this.c = [d(), d(), d(), d()];
    this.entry = new EntityReader(f, plan, 0);
    [this.r, this.largest, this.valid] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  }

  prepare(): void {}

  entities(): void {
    this.entry.load(this.a4);
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

  linear(field: CaptureField & { kind: "linear" }, s: number): void {
    const { f, v, t } = this;
    const z = field.slots[s] as (typeof field.slots)[number];
    this.entry.channel(field.columns[s] as CaptureColumn);
    f.localTee(v).f64Const(z.min).op("f64.sub");
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
    this.storeTo(field.offset + s);
  }

  quat(field: CaptureField & { kind: "quat" }): void {
    const { f, best, a, len, inv, sign, largest, valid, t, r } = this;
    const [x, y, z, w] = this.c as [Local, Local, Local, Local];
    [x, y, z, w].forEach((c, k) => {
      this.entry.channel(field.columns[k] as CaptureColumn);
      f.localSet(c);
    });
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
    // sign = big < 0 ? -1 / (len || 1) : 1 / (len || 1); -1 / l is exactly -(1 / l).
    f.f64Const(1).localGet(len).f64Const(1).localGet(len).f64Const(0).op("f64.gt").op("select");
    f.op("f64.div").localTee(inv).op("f64.neg").localGet(inv);
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

/**
 * Two entries at a time in f64x2 lanes: the scalar path's IEEE operations per lane, selects as
 * lane masks. Constants live in locals set before the loops (V8 builds a v128.const from
 * immediates each time it is executed).
 */
class SimdQuantizer implements Quantizer {
  private readonly v: Local[];
  private readonly first: EntityReader;
  private readonly second: EntityReader;
  private readonly constants = new Map<string, Local>();

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    private readonly a4: Local,
  ) {
    this.v = Array.from({ length: 16 }, () => f.local("v128"));
    [this.first, this.second] = [new EntityReader(f, plan, 0), new EntityReader(f, plan, 4)];
  }

  /** Pushes a v128 of 16 bytes (from its hoisted local when there is one), or with `hoist` only hoists it. */
  private constant(bytes: Uint8Array, hoist: boolean): WasmFunction {
    const key = bytes.join(",");
    const local = this.constants.get(key);
    if (hoist) {
      if (local === undefined) {
        const l = this.f.local("v128");
        this.f.v128Const(bytes).localSet(l);
        this.constants.set(key, l);
      }
      return this.f;
    }
    return local === undefined ? this.f.v128Const(bytes) : this.f.localGet(local);
  }

  private splat(c: number, hoist = false): WasmFunction {
    return this.constant(new Uint8Array(Float64Array.of(c, c).buffer), hoist);
  }

  /** i64x2 lanes of small integer `k`. */
  private lanes(k: number, hoist = false): WasmFunction {
    return this.constant(new Uint8Array(Int32Array.of(k, 0, k, 0).buffer), hoist);
  }

  private i32x4(k: number, hoist = false): WasmFunction {
    return this.constant(new Uint8Array(Int32Array.of(k, k, k, k).buffer), hoist);
  }

  prepare(field: CaptureField): void {
    for (const c of [0, 0.5, ROUND_EXCEPTION]) this.splat(c, true);
    if (field.kind === "linear") {
      for (const z of field.slots) {
        for (const c of [z.min, z.max, z.maxValue, z.inverse ?? z.step]) this.splat(c, true);
      }
      return;
    }
    for (const c of [1, 1e-12, Infinity, Math.SQRT1_2, field.scale]) this.splat(c, true);
    for (const k of [0, 1, 2, 3]) this.lanes(k, true);
    this.i32x4(0, true);
    this.i32x4(field.maxValue, true);
  }

  entities(): void {
    this.first.load(this.a4);
    this.second.load(this.a4);
  }

  /** Loads the pair's values of `col` into `into`. */
  private load(col: CaptureColumn, into: Local): void {
    const f = this.f;
    this.first.channel(col);
    f.op("f64x2.splat");
    this.second.channel(col);
    f.lane("f64x2.replace_lane", 1).localSet(into);
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

  linear(field: CaptureField & { kind: "linear" }, s: number): void {
    const f = this.f;
    const z = field.slots[s] as (typeof field.slots)[number];
    const [v, t] = this.v as [Local, Local];
    this.load(field.columns[s] as CaptureColumn, v);
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
    this.store2(field.offset + s);
  }

  quat(field: CaptureField & { kind: "quat" }): void {
    const f = this.f;
    const [x, y, z, w, best, a, m, lg, len, valid, inv, sign, e0, e1, e3, t] = this.v as [
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
    [x, y, z, w].forEach((c, k) => this.load(field.columns[k] as CaptureColumn, c));
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
    // inv = 1 / (len || 1); sign = big < 0 ? -inv : inv (-1 / l is exactly -(1 / l))
    this.splat(1);
    f.localGet(len);
    this.splat(1).localGet(len);
    this.splat(0).op("f64x2.gt").op("v128.bitselect").op("f64x2.div").localTee(inv);
    f.op("f64x2.neg").localGet(inv);
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
      this.i32x4(0).op("i32x4.max_s");
      this.i32x4(field.maxValue).op("i32x4.min_s");
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
