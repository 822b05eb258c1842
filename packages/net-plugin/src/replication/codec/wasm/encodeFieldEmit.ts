/**
 * One inline field of the wasm collect loop (encodeEmit.ts): the JS kernel's collectField
 * (kernels/encodeKernel.ts) as wasm — compare against the baseline (with the field's threshold),
 * predict `slots` fields from the reference (Math.round as floor plus a ≥ 0.5 test, exact in f64),
 * and push each zigzag residual to the field's `colz` cursor and its column's histogram bucket.
 */
import type { KernelField } from "../kernels/compileKernel";
import { COLUMN_BUCKETS } from "../columns";
import type { COLLECT_PARAMS, Segment } from "./collectParams";
import { emitQuatSimd, emitSlotsSimd } from "./encodeSimdEmit";
import type { Local, WasmFunction } from "./wasmModule";

/** The locals and layout one field's code reads. */
export interface FieldContext {
  readonly f: WasmFunction;
  readonly cs: readonly Local[];
  readonly bs: readonly Local[];
  readonly curRow: Local;
  readonly baseRow: Local;
  readonly refRow: Local;
  readonly row: Local;
  readonly d: Local;
  readonly fs: Local;
  readonly g: Local;
  readonly t: Local;
  /** Byte offset of the values in a block. */
  readonly V: number;
  /** Build with SIMD (encodeSimdEmit.ts) where a field allows it. */
  readonly simd: boolean;
  /** The states' capacity (a `colm` column's length). */
  readonly cap: number;
}

/** The loop's locals one field's code reads and sets. */
export interface LoopLocals {
  readonly live: Local;
  readonly changed: Local;
  readonly ratio: Local;
  readonly unit: Local;
  readonly predicted: Local;
  readonly seg: (name: Segment) => Local;
  readonly p: (name: (typeof COLLECT_PARAMS)[number]) => Local;
  /** The field's `colm` cursor: its first column's next value (column s at + s × capacity × 4). */
  readonly mcur: Local;
}

/** Moves the field's `colm` cursor past one entity's values. */
export function bumpColm(f: WasmFunction, mcur: Local): void {
  f.localGet(mcur).i32Const(4).op("i32.add").localSet(mcur);
}

/** One more in the bucket of the zigzag value in `d` (its bit length) of `column`'s histogram at `hist` (`d` is clobbered). */
export function emitHist(f: WasmFunction, hist: Local, d: Local, column: number): void {
  f.localGet(hist).i32Const(32).localGet(d).op("i32.clz").op("i32.sub").i32Const(2).op("i32.shl");
  f.op("i32.add").localTee(d);
  f.localGet(d)
    .load("i32.load", column * COLUMN_BUCKETS * 4)
    .i32Const(1)
    .op("i32.add");
  f.store("i32.store", column * COLUMN_BUCKETS * 4);
}

/**
 * A `flip`/`full` field (encodeKernel.ts collectFlat): compared against the baseline (with its
 * threshold); a changed one sets its bit and, predicting, copies its baseline slots to `pred`.
 */
function emitFlat(c: FieldContext, x: KernelField, l: LoopLocals): void {
  const { f, cs, bs, d } = c;
  f.localGet(l.live).i32Const(x.bit).op("i32.and");
  const has = f.if();
  for (let s = 0; s < x.width; s++) {
    f.localGet(c.curRow)
      .load("i32.load", c.V + (x.offset + s) * 4)
      .localSet(cs[s] as Local);
    f.localGet(c.baseRow)
      .load("i32.load", c.V + (x.offset + s) * 4)
      .localSet(bs[s] as Local);
    f.localGet(cs[s] as Local).localGet(bs[s] as Local);
    if (x.threshold === 0) f.op("i32.ne");
    else {
      f.op("i32.sub").localTee(d).i32Const(x.threshold).op("i32.gt_s");
      f.i32Const(0).localGet(d).op("i32.sub").i32Const(x.threshold).op("i32.gt_s").op("i32.or");
    }
    if (s > 0) f.op("i32.or");
  }
  const moved = f.if();
  f.localGet(l.changed).i32Const(x.bit).op("i32.or").localSet(l.changed);
  f.localGet(l.ratio);
  const r = f.if();
  for (let s = 0; s < x.width; s++) {
    f.localGet(l.seg("pred")).localGet(c.row).op("i32.add");
    f.localGet(bs[s] as Local).store("i32.store", (x.offset + s) * 4);
  }
  f.end(r).end(moved).end(has);
}

/** One inline field of the loop body (encodeKernel.ts collectField). */
/** The per-field emit helpers of {@link emitField} (prediction, residual push, histogram). */
function fieldHelpers(c: FieldContext, x: KernelField, cursor: Local, l: LoopLocals) {
  const { f, cs, bs, d } = c;
  const slotAt = (s: number): number => c.V + (x.offset + s) * 4;
  const predAt = (s: number, value: Local): void => {
    f.localGet(l.seg("pred")).localGet(c.row).op("i32.add");
    f.localGet(value).store("i32.store", (x.offset + s) * 4);
  };
  // zigzag(d) into colz at the cursor + k, and one more in its column's histogram bucket.
  const coded = (k: number, column: number): void => {
    f.localGet(d).i32Const(1).op("i32.shl").localGet(d).i32Const(31).op("i32.shr_s").op("i32.xor");
    f.localSet(d);
    f.localGet(cursor)
      .localGet(d)
      .store("i32.store", k * 4);
    f.localGet(l.mcur)
      .localGet(d)
      .store("i32.store", (column - x.column) * c.cap * 4);
    histOf(column);
  };
  // One more in the bucket of the zigzag value in `d` (its bit length) of `column`'s histogram.
  const histOf = (column: number): void => emitHist(f, l.seg("hist"), d, column);
  // Every slot in turn, any ratio: the reference path (predict.ts), its branches per slot.
  const generalSlots = (): void => {
    for (let s = 0; s < x.width; s++) {
      const max = x.slotMax[s] as number;
      f.localGet(bs[s] as Local).localSet(c.fs);
      f.localGet(l.ratio);
      const r = f.if();
      f.localGet(l.predicted);
      const pr = f.if();
      // step = b - ref (in d)
      f.localGet(bs[s] as Local)
        .localGet(c.refRow)
        .load("i32.load", slotAt(s))
        .op("i32.sub")
        .localSet(d);
      f.localGet(l.unit);
      const u = f.if();
      f.localGet(c.fs).localGet(d).op("i32.add").localSet(c.fs);
      f.else();
      // t = step × rn / rd; g = fs + Math.round(t), clamped to 0..max, then truncated.
      f.localGet(d).op("f64.convert_i32_s").localGet(l.p("rn")).op("f64.convert_i32_s").op("f64.mul");
      f.localGet(l.p("rd")).op("f64.convert_i32_s").op("f64.div").localTee(c.t);
      f.op("f64.floor").localSet(c.g);
      f.localGet(c.g).f64Const(1).op("f64.add").localGet(c.g);
      f.localGet(c.t).localGet(c.g).op("f64.sub").f64Const(0.5).op("f64.ge").op("select");
      f.localGet(c.fs).op("f64.convert_i32_s").op("f64.add").localSet(c.g);
      f.i32Const(0).i32Const(max).localGet(c.g).op("i32.trunc_sat_f64_s");
      f.localGet(c.g).f64Const(max).op("f64.gt").op("select");
      f.localGet(c.g).f64Const(0).op("f64.lt").op("select").localSet(c.fs);
      f.end(u);
      // clamp fs to 0..max
      f.i32Const(0).i32Const(max).localGet(c.fs);
      f.localGet(c.fs).i32Const(max).op("i32.gt_s").op("select");
      f.localGet(c.fs).i32Const(0).op("i32.lt_s").op("select").localSet(c.fs);
      f.end(pr);
      predAt(s, c.fs);
      f.end(r);
      f.localGet(cs[s] as Local)
        .localGet(c.fs)
        .op("i32.sub")
        .localSet(d);
      coded(s, x.column + s);
    }
  };
  return { coded, histOf, generalSlots };
}

export function emitField(
  c: FieldContext,
  x: KernelField,
  cursor: Local,
  l: LoopLocals,
  partner?: { readonly x: KernelField; readonly cursor: Local; readonly l: LoopLocals },
): void {
  if (x.flip || x.full) {
    emitFlat(c, x, l);
    return;
  }
  const { f, cs, bs, d } = c;
  const slotAt = (s: number): number => c.V + (x.offset + s) * 4;
  f.localGet(l.live).i32Const(x.bit).op("i32.and");
  const has = f.if();
  // A Transform (with its rotation as `partner`): one change test over all its slots, no SIMD.
  const width = x.width + (partner?.x.width ?? 0);
  const simd =
    partner === undefined && c.simd && x.threshold === 0 && x.width <= 4 && (!x.quat || x.width === 4);
  const { coded, histOf, generalSlots } = fieldHelpers(c, x, cursor, l);
  for (let s = 0; s < width && !simd; s++) {
    f.localGet(c.curRow)
      .load("i32.load", slotAt(s))
      .localSet(cs[s] as Local);
    f.localGet(c.baseRow)
      .load("i32.load", slotAt(s))
      .localSet(bs[s] as Local);
  }
  if (simd) {
    if (x.quat) emitQuatSimd(c, x, cursor, l, histOf);
    else emitSlotsSimd(c, x, cursor, l, { generalSlots, histOf });
    f.end(has);
    return;
  }
  for (let s = 0; s < width; s++) {
    if (x.threshold === 0) {
      f.localGet(cs[s] as Local)
        .localGet(bs[s] as Local)
        .op("i32.ne");
    } else {
      f.localGet(cs[s] as Local)
        .localGet(bs[s] as Local)
        .op("i32.sub")
        .localTee(d);
      f.i32Const(x.threshold).op("i32.gt_s");
      f.i32Const(0).localGet(d).op("i32.sub").i32Const(x.threshold).op("i32.gt_s").op("i32.or");
    }
    if (s > 0) f.op("i32.or");
  }
  const moved = f.if();
  f.localGet(l.changed).i32Const(x.bit).op("i32.or").localSet(l.changed);
  emitCoded(c, x, cursor, l, coded, generalSlots);
  if (partner !== undefined) {
    // The rotation's slots follow the position's in cs/bs.
    const pc = { ...c, cs: cs.slice(x.width), bs: bs.slice(x.width) };
    const ph = fieldHelpers(pc, partner.x, partner.cursor, partner.l);
    emitCoded(pc, partner.x, partner.cursor, partner.l, ph.coded, ph.generalSlots);
  }
  f.end(moved).end(has);
}

/**
 * A changed field's coding (after its change test): a rotation's `pred` copy, "same largest" flag
 * and three residuals, or a `slots` field's predicted residuals (`coded`: a residual in `d` to the
 * cursor, colm and histogram; `generalSlots`: the per-slot reference path).
 */
function emitCoded(
  c: FieldContext,
  x: KernelField,
  cursor: Local,
  l: LoopLocals,
  coded: (k: number, column: number) => void,
  generalSlots: () => void,
): void {
  const { f, cs, bs, d } = c;
  const slotAt = (s: number): number => c.V + (x.offset + s) * 4;
  const predAt = (s: number, value: Local): void => {
    f.localGet(l.seg("pred")).localGet(c.row).op("i32.add");
    f.localGet(value).store("i32.store", (x.offset + s) * 4);
  };
  if (x.quat) {
    f.localGet(l.ratio);
    const r = f.if();
    for (let s = 0; s < 4; s++) predAt(s, bs[s] as Local);
    f.end(r);
    f.localGet(cs[0] as Local)
      .localGet(bs[0] as Local)
      .op("i32.eq");
    const same = f.if();
    f.localGet(l.seg("zz")).localGet(c.row).op("i32.add").i32Const(1);
    f.store("i32.store", x.offset * 4);
    for (let s = 1; s < 4; s++) {
      f.localGet(cs[s] as Local)
        .localGet(bs[s] as Local)
        .op("i32.sub")
        .localSet(d);
      coded(s - 1, x.column + s - 1);
    }
    f.localGet(cursor).i32Const(12).op("i32.add").localSet(cursor);
    bumpColm(f, l.mcur);
    f.else();
    f.localGet(l.seg("zz")).localGet(c.row).op("i32.add").i32Const(0);
    f.store("i32.store", x.offset * 4);
    f.end(same);
  } else {
    // The usual case first, its slots without per-slot branches: predicted at a 1:1 ratio,
    // from = clamp(2·base − reference) (predict.ts).
    f.localGet(l.ratio).localGet(l.predicted).op("i32.and").localGet(l.unit).op("i32.and");
    const fast = f.if();
    for (let s = 0; s < x.width; s++) {
      const max = x.slotMax[s] as number;
      f.localGet(bs[s] as Local)
        .i32Const(1)
        .op("i32.shl")
        .localGet(c.refRow)
        .load("i32.load", slotAt(s))
        .op("i32.sub")
        .localSet(c.fs);
      f.i32Const(0).i32Const(max).localGet(c.fs);
      f.localGet(c.fs).i32Const(max).op("i32.gt_s").op("select");
      f.localGet(c.fs).i32Const(0).op("i32.lt_s").op("select").localSet(c.fs);
      predAt(s, c.fs);
      f.localGet(cs[s] as Local)
        .localGet(c.fs)
        .op("i32.sub")
        .localSet(d);
      coded(s, x.column + s);
    }
    f.else();
    generalSlots();
    f.end(fast);
    f.localGet(cursor)
      .i32Const(x.width * 4)
      .op("i32.add")
      .localSet(cursor);
    bumpColm(f, l.mcur);
  }
}
