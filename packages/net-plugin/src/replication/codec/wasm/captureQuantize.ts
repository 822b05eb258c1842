/**
 * The per-field work of the WebAssembly capture kernel (captureEmit.ts), one entry at a time
 * (ScalarQuantizer here) or four a step (captureSimd.ts): load the channel values by entity id
 * from the column copies and quantize them — fieldAccess.ts quantizeSource expression for
 * expression: vectors and scalar floats in f64, rotations in f32 (quantizeQuat's float32
 * arithmetic; the same IEEE operations per lane with SIMD, selects as lane masks), so the integers
 * are the JS kernel's. Every listed entity is quantized (the JS kernel's raw-value cache is not
 * kept: comparing and storing seven doubles per entity cost about as much as quantizing them here).
 */
import type { CaptureColumn, InlineField, CapturePlan } from "./capturePlan";
import { QUAT_MIN_LENGTH32 } from "../../../protocol/quantize";
import type { Local, WasmFunction } from "./wasmModule";

/** fieldAccess.ts ROUND_SOURCE's one x where floor(x + 0.5) is not Math.round(x) (→ 0). */
export const ROUND_EXCEPTION = 0.49999999999999994;

/** The kernel's loop locals a quantizer reads. */
export interface LoopLocals {
  /** Byte offset of the current entry in the scratch's i32 arrays (entry × 4). */
  readonly a4: Local;
  /** Byte offset of the entry's quantized row (entry × stride × 4; capturePlan.ts `quantized`). */
  readonly q4: Local;
  /** Entry index and count (a pair's second entry may be past the count). */
  readonly i: Local;
  readonly n: Local;
}

/** Emits, per batch entry (or pair), one field's work: load its channel values, quantize them into the quantized columns. */
export interface Quantizer {
  /** Before the loops: hoists `field`'s constants into locals (SIMD). */
  prepare(field: InlineField): void;
  /** At the top of a loop iteration: the entry's (or pair's) entity. */
  entities(): void;
  /** Loads `field`'s channel values into locals. */
  load(field: InlineField): void;
  /** Quantizes the loaded values into the quantized columns (clobbers them). */
  quantize(field: InlineField): void;
}

/**
 * Reads channel values of one batch entry's entity: `load()` takes its id from the scratch (and,
 * when the gather already clamped it, its byte offsets in f32 and f64 columns), `channel(col)`
 * pushes its value of `col` as an f64 (a float32 widened exactly; past the column's length, its
 * `past` element).
 */
export class EntityReader {
  readonly eid: Local;
  /** The entity id × 4 and × 8 (byte offsets in f32 / f64 column copies; with one column length). */
  readonly o4: Local;
  readonly o8: Local;

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    private readonly l: LoopLocals,
    /** Byte offset of the entry's id from the batch cursor (0, or 4 for a pair's second). */
    readonly at: number,
  ) {
    const i32 = (): Local => f.local("i32");
    [this.eid, this.o4, this.o8] = [i32(), i32(), i32()];
  }

  load(): void {
    const f = this.f;
    const l = this.l;
    const a4 = l.a4;
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

/** One entry at a time (fieldAccess.ts quantizeSource expression for expression; rotations in f32). */
export class ScalarQuantizer implements Quantizer {
  private readonly entry: EntityReader;
  private readonly t: Local;
  private readonly r: Local;
  private readonly largest: Local;
  private readonly valid: Local;
  private readonly c: Local[];
  /** A rotation's float32 components, |largest| so far, |component|, length, ±scale / length. */
  private readonly c32: Local[];
  private readonly best: Local;
  private readonly a: Local;
  private readonly len: Local;
  private readonly k: Local;

  private readonly q4: Local;

  constructor(
    private readonly f: WasmFunction,
    private readonly plan: CapturePlan,
    private readonly l: LoopLocals,
  ) {
    this.q4 = l.q4;
    const d = (): Local => f.local("f64");
    const s = (): Local => f.local("f32");
    this.t = d();
    [this.best, this.a, this.len, this.k] = [s(), s(), s(), s()];
    this.c = [d(), d(), d(), d()];
    this.c32 = [s(), s(), s(), s()];
    this.entry = new EntityReader(f, plan, l, 0);
    [this.r, this.largest, this.valid] = [f.local("i32"), f.local("i32"), f.local("i32"), f.local("i32")];
  }

  prepare(): void {}

  entities(): void {
    this.entry.load();
  }

  load(field: InlineField): void {
    field.columns.forEach((col, k) => {
      this.entry.channel(col);
      this.f.localSet(this.c[k] as Local);
    });
  }

  quantize(field: InlineField): void {
    if (field.kind === "linear") field.slots.forEach((_, s) => this.linear(field, s));
    else this.quat(field);
  }

  private storeTo(column: number): void {
    this.f.store("i32.store", this.plan.quantized + column * 4);
  }

  /** Pushes round(t) as an i32 (ROUND_SOURCE: floor(t + 0.5) | 0, 0 at the exception; NaN → 0). */
  private round(t: Local): void {
    const f = this.f;
    f.i32Const(0);
    f.localGet(t).f64Const(0.5).op("f64.add").op("f64.floor").op("i32.trunc_sat_f64_s");
    f.localGet(t).f64Const(ROUND_EXCEPTION).op("f64.eq").op("select");
  }

  private linear(field: InlineField & { kind: "linear" }, s: number): void {
    const { f, t } = this;
    const v = this.c[s] as Local;
    const z = field.slots[s] as (typeof field.slots)[number];
    f.localGet(v).f64Const(z.min).op("f64.sub");
    if (z.inverse !== undefined) f.f64Const(z.inverse).op("f64.mul");
    else f.f64Const(z.step).op("f64.div");
    f.localSet(t);
    f.localGet(this.q4);
    // !(v > min) ? 0 : v >= max ? maxValue : round(t)
    f.i32Const(z.maxValue);
    this.round(t);
    f.localGet(v).f64Const(z.max).op("f64.ge").op("select");
    f.i32Const(0);
    f.localGet(v).f64Const(z.min).op("f64.gt").op("select");
    this.storeTo(field.offset + s);
  }

  /** protocol/quantize.ts quantizeQuat in f32 (its float32 arithmetic step for step). */
  private quat(field: InlineField & { kind: "quat" }): void {
    const { f, best, a, len, k, largest, valid, r } = this;
    const [x, y, z, w] = this.c32 as [Local, Local, Local, Local];
    // The channel values rounded to float32 (exact for a Float32 column).
    this.c.forEach((c, i) =>
      f
        .localGet(c)
        .op("f32.demote_f64")
        .localSet(this.c32[i] as Local),
    );
    f.localGet(x).op("f32.abs").localSet(best);
    f.i32Const(0).localSet(largest);
    [y, z, w].forEach((c, i) => {
      // if (|c| > best) { largest = i + 1; best = |c|; }
      f.localGet(c).op("f32.abs").localTee(a).localGet(best).op("f32.gt").localSet(valid);
      f.i32Const(i + 1)
        .localGet(largest)
        .localGet(valid)
        .op("select")
        .localSet(largest);
      if (i < 2) f.localGet(a).localGet(best).localGet(valid).op("select").localSet(best);
    });
    // len = sqrt(((x² + y²) + z²) + w²): the squares and sums in f64 (exact squares), rounded once.
    const square = (c: Local): WasmFunction =>
      f.localGet(c).op("f64.promote_f32").localGet(c).op("f64.promote_f32").op("f64.mul");
    square(x);
    square(y).op("f64.add");
    square(z).op("f64.add");
    square(w).op("f64.add").op("f32.demote_f64").op("f32.sqrt").localSet(len);
    // A zero or non-finite quaternion quantizes as identity: largest 3, every slot 2^(bits-1).
    f.localGet(len).f32Const(QUAT_MIN_LENGTH32).op("f32.gt").localGet(len).f32Const(Infinity).op("f32.lt");
    f.op("i32.and").localSet(valid);
    f.localGet(largest).i32Const(3).localGet(valid).op("select").localSet(largest);
    const isLargest = (i: number): WasmFunction => f.localGet(largest).i32Const(i).op("i32.eq");
    // k = scale / len, negated when the largest component (big) is negative.
    f.f32Const(field.scale).localGet(len).op("f32.div").localTee(k).op("f32.neg").localGet(k);
    f.localGet(x).localGet(y).localGet(z).localGet(w);
    isLargest(2).op("select");
    isLargest(1).op("select");
    isLargest(0).op("select");
    f.f32Const(0).op("f32.lt").op("select").localSet(k);
    f.localGet(this.q4).localGet(largest);
    this.storeTo(field.offset);
    const half = (field.maxValue + 1) / 2;
    const sources: [Local, Local, () => void][] = [
      [y, x, () => isLargest(0)],
      [z, y, () => f.localGet(largest).i32Const(1).op("i32.le_s")],
      [w, z, () => f.localGet(largest).i32Const(2).op("i32.le_s")],
    ];
    sources.forEach(([yes, no, cond], i) => {
      // r = floor(c · k) + 2^(bits-1) (Math.round of c · k + maxValue / 2)
      f.localGet(yes).localGet(no);
      cond();
      f.op("select").localGet(k).op("f32.mul").op("f32.floor").op("i32.trunc_sat_f32_s");
      f.i32Const(half).op("i32.add").localSet(r);
      // valid ? (r < 0 ? 0 : r > maxValue ? maxValue : r) : 2^(bits-1)
      f.localGet(this.q4).i32Const(0);
      f.i32Const(field.maxValue).localGet(r).localGet(r).i32Const(field.maxValue).op("i32.gt_s").op("select");
      f.localGet(r).i32Const(0).op("i32.lt_s").op("select");
      f.i32Const(half).localGet(valid).op("select");
      this.storeTo(field.offset + i + 1);
    });
  }
}
