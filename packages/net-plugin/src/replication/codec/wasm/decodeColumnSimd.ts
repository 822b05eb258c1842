/**
 * Four values at a time in a value column of the wasm update reader (decodeColumnEmit.ts): when
 * the next four entries of the column have no exception, the width is at most 14 bits (four
 * values fit one 64-bit load after a shift of up to 7) and every predicted entry can use the 1:1
 * ratio, the four values come from one load and go through zigzag, prediction (`2·from − ref`,
 * clamped: lanes of unpredicted entries keep their baseline) and the range check as i32x4. A group
 * with a value out of range is left to the scalar path (which refuses it at the exact value, as
 * the JS kernel does): nothing of the group is stored first. Same values, same checks.
 */
import type { KernelField } from "../kernels/compileKernel";
import type { ColumnLocals } from "./decodeColumnEmit";
import type { DecodeCtx } from "./decodeBits";
import type { Label, Local, WasmFunction } from "./wasmModule";

/** The locals of the four-value groups (one set per function). */
export interface SimdLocals {
  readonly ok: Local;
  /** Groups run while j + 4 ≤ lim: 0 when they cannot run, else the smaller of cnt and the next exception. */
  readonly lim: Local;
  readonly o: readonly [Local, Local, Local, Local];
  readonly x: Local;
  /** Twice the column width (i64). */
  readonly w2: Local;
  readonly ent: Local;
  readonly u: Local;
  readonly b: Local;
  readonly r: Local;
  readonly v: Local;
}

/** Declares the group locals in `f`. */
export function simdLocals(f: WasmFunction): SimdLocals {
  const i32 = (): Local => f.local("i32");
  const i64 = (): Local => f.local("i64");
  const v = (): Local => f.local("v128");
  return {
    ok: i32(),
    lim: i32(),
    o: [i32(), i32(), i32(), i32()],
    x: i64(),
    w2: i64(),
    ent: v(),
    u: v(),
    b: v(),
    r: v(),
    v: v(),
  };
}

/** Before a column's value loop: whether its groups may run (`ok`), their limit and twice the width. */
export function emitGroupSetup(
  f: WasmFunction,
  p: ColumnLocals,
  s: SimdLocals,
  field: KernelField,
  cnt: Local,
): void {
  f.localGet(p.w).i32Const(14).op("i32.le_u");
  if (!field.quat) f.localGet(p.unit).localGet(p.hasRef).op("i32.eqz").op("i32.or").op("i32.and");
  f.localSet(s.ok);
  emitGroupLimit(f, p, s, cnt);
  f.localGet(p.w).i32Const(1).op("i32.shl").op("i64.extend_i32_u").localSet(s.w2);
}

/**
 * lim = ok ? min(cnt, next) : 0, unsigned (next is -1 without exceptions left): a group at j runs
 * when j + 4 ≤ lim — the four entries exist and none is an exception. Set again when next moves.
 */
export function emitGroupLimit(f: WasmFunction, p: ColumnLocals, s: SimdLocals, cnt: Local): void {
  f.localGet(cnt).localGet(p.next).localGet(cnt).localGet(p.next).op("i32.lt_u").op("select");
  f.i32Const(0).localGet(s.ok).op("select").localSet(s.lim);
}

/**
 * One group of four at entry `j` (inside the value loop `values`; `exit` ends the loop): falls
 * through to the scalar value code when the group cannot run, else stores four values, moves pos
 * and j by four and loops.
 */
export function emitGroup(
  c: DecodeCtx,
  p: ColumnLocals,
  s: SimdLocals,
  field: KernelField,
  slot: number,
  max: number,
  cnt: Local,
  stride: number,
  listOffset: number,
  values: Label,
  exit: Label,
): void {
  const { f, r } = c;
  const one = f.block();
  // ok && j + 4 <= cnt && next >=u j + 4, as j + 4 <=u lim
  f.localGet(p.j).i32Const(4).op("i32.add").localGet(s.lim).op("i32.gt_u").brIf(one);
  f.localGet(p.lists).localGet(p.j).i32Const(2).op("i32.shl").op("i32.add");
  f.load("v128.load", listOffset, 2).localTee(s.ent);
  f.i32Const(1)
    .op("i32x4.shr_s")
    .i32Const(stride * 4)
    .op("i32x4.splat")
    .op("i32x4.mul")
    .localSet(s.v);
  s.o.forEach((o, k) => void f.localGet(s.v).lane("i32x4.extract_lane", k).localSet(o));
  // Four w-bit values from one 64-bit load at pos: [x, x >> 2w] as i64x2, that shifted by w,
  // and the low words of both interleaved: [x, x >> w, x >> 2w, x >> 3w].
  f.localGet(c.input).localGet(r.pos).i32Const(3).op("i32.shr_u").op("i32.add").load("i64.load", 0, 0);
  f.localGet(r.pos).i32Const(7).op("i32.and").op("i64.extend_i32_u").op("i64.shr_u").localTee(s.x);
  f.op("i64x2.splat").localGet(s.x).localGet(s.w2).op("i64.shr_u").lane("i64x2.replace_lane", 1);
  f.localTee(s.u).localGet(s.u).localGet(p.w).op("i64x2.shr_u");
  f.shuffle([0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27]);
  f.localGet(p.l).op("i32x4.splat").op("v128.and").localSet(s.u);
  const gather = (state: Local, into: Local): void => {
    s.o.forEach((o, k) => {
      f.localGet(state).localGet(o).op("i32.add").load("i32.load", slot);
      if (k === 0) f.op("i32x4.splat");
      else f.lane("i32x4.replace_lane", k);
    });
    f.localSet(into);
  };
  gather(p.base, s.b);
  if (!field.quat) {
    // Predicted lanes (entry & 1): 2·from − ref clamped to 0..max; the others keep from.
    gather(p.ref, s.r);
    f.localGet(s.b).localGet(s.b).op("i32x4.add").localGet(s.r).op("i32x4.sub");
    f.i32Const(0).op("i32x4.splat").op("i32x4.max_s").i32Const(max).op("i32x4.splat").op("i32x4.min_s");
    f.localGet(s.b);
    f.localGet(s.ent).i32Const(1).op("i32x4.splat").op("v128.and").op("i32x4.neg");
    f.op("v128.bitselect").localSet(s.b);
  }
  // v = from + ((u >>> 1) ^ -(u & 1)); any lane >u max: the scalar path refuses it.
  f.localGet(s.b).localGet(s.u).i32Const(1).op("i32x4.shr_u");
  f.localGet(s.u).i32Const(1).op("i32x4.splat").op("v128.and").op("i32x4.neg").op("v128.xor");
  f.op("i32x4.add").localTee(s.v);
  f.i32Const(max).op("i32x4.splat").op("i32x4.gt_u").op("v128.any_true").brIf(one);
  s.o.forEach((o, k) => {
    f.localGet(p.work).localGet(o).op("i32.add").localGet(s.v).lane("i32x4.extract_lane", k);
    f.store("i32.store", slot);
  });
  f.localGet(r.pos).localGet(p.w).i32Const(2).op("i32.shl").op("i32.add").localSet(r.pos);
  f.localGet(p.j).i32Const(4).op("i32.add").localTee(p.j).localGet(cnt).op("i32.lt_s").brIf(values);
  f.br(exit);
  f.end(one);
}
