/**
 * All value columns of one field in one pass of the wasm update reader (decodeEmit.ts; SIMD
 * modules): the columns' headers are read first (each column's exceptions into its own scratch),
 * then four entries at a time the four rows' slots are loaded as one v128 each and transposed, so
 * that a column's four baselines (and, for `slots` fields, the reference's) are one vector without
 * a gather; each column's four values come from one 64-bit load (as decodeColumnSimd.ts), are
 * zigzag-added and range-checked, and the rows are transposed back and stored whole (lanes of
 * other slots written back unchanged). Exceptions' high bits come from each column's dense array
 * (decodeFieldDense.ts; Session 9: one v128 OR per group, no exception list or per-group branch).
 * The last entries short of four, a column wider than 14 bits and a non-unit prediction ratio take
 * the scalar path one entry at a time, every column in turn; a value out of range refuses the call
 * (Invalid at the synced position, as the scalar path that would reach it does: values never move
 * `synced`).
 *
 * Same values and checks as the per-column reader. Refusals: any failure in the headers (a short
 * or malformed column) rewinds to the field's first column and reads the columns one after the
 * other instead (decodeColumnEmit.ts), so the status (Truncated or Invalid) and the final position
 * are the per-column reader's: nothing is stored before the headers are all read. A value refused
 * in the values pass is Invalid either way, with the same position (values do not move `synced`).
 * Used when the field's four slots from its offset lie inside the row (offset + 4 ≤ stride) and
 * the scratch has room for four columns' exceptions.
 */
import type { KernelField } from "../kernels/compileKernel";
import type { DecodeCtx } from "./decodeBits";
import type { DecodeScratch } from "./decodeArgs";
import { emitColumn, type ColumnLocals } from "./decodeColumnEmit";
import { emitDenseHeader, emitDenseScalar, emitDenseZero, type DenseColumn } from "./decodeFieldDense";
import type { Local, WasmFunction } from "./wasmModule";

/** The extra locals of the fused passes (one set per function). */
export interface FusedLocals {
  readonly w: readonly Local[];
  readonly l: readonly Local[];
  readonly p0: readonly Local[];
  readonly end: readonly Local[];
  /** Each column's bit cursor in the values pass. */
  readonly at: readonly Local[];
  readonly start: Local;
  readonly synced: Local;
  readonly ok: Local;
  /** Entries read four at a time (a multiple of four; 0 when the groups cannot run). */
  readonly lim: Local;
  readonly x: Local;
  /** misc + 4·j: the group's dense entries. */
  readonly mj: Local;
  readonly rows: readonly Local[];
  readonly cols: readonly Local[];
  readonly refs: readonly Local[];
  readonly tmp: readonly Local[];
  /** The group's four row offsets (id · stride · 4), extracted into scalar locals. */
  readonly offsets: Local;
  readonly pred: Local;
  /** Per column, the largest value of the groups so far (unsigned; range-checked after them). */
  readonly mx: readonly Local[];
}

/** Declares the fused locals in `f`. */
export function fusedLocals(f: WasmFunction): FusedLocals {
  const n = (type: "i32" | "i64" | "v128", count: number): Local[] =>
    Array.from({ length: count }, () => f.local(type));
  return {
    w: n("i32", 4),
    l: n("i32", 4),
    p0: n("i32", 4),
    end: n("i32", 4),
    at: n("i32", 4),
    start: f.local("i32"),
    synced: f.local("i32"),
    ok: f.local("i32"),
    lim: f.local("i32"),
    x: f.local("i64"),
    mj: f.local("i32"),
    rows: n("v128", 4),
    cols: n("v128", 4),
    refs: n("v128", 4),
    tmp: n("v128", 4),
    offsets: f.local("v128"),
    pred: f.local("v128"),
    mx: n("v128", 4),
  };
}

/** True when `field`'s columns can be read in one pass (SIMD module, scratch for its columns). */
export function fusable(field: KernelField, stride: number, scratch: DecodeScratch): boolean {
  const first = field.quat ? 1 : 0;
  return (
    field.width - first >= 2 && field.width <= 4 && field.offset + 4 <= stride && scratch.columns.length >= 4
  );
}

/** out[s] = lane s of every input row: a 4×4 transpose by interleaves (its own inverse). */
function transpose(
  f: WasmFunction,
  rows: readonly Local[],
  tmp: readonly Local[],
  out: readonly Local[],
): void {
  const lo32 = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
  const hi32 = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
  const lo64 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  const hi64 = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
  const [a, b, c, d] = rows as [Local, Local, Local, Local];
  const [t0, t1, t2, t3] = tmp as [Local, Local, Local, Local];
  f.localGet(a).localGet(b).shuffle(lo32).localSet(t0);
  f.localGet(a).localGet(b).shuffle(hi32).localSet(t1);
  f.localGet(c).localGet(d).shuffle(lo32).localSet(t2);
  f.localGet(c).localGet(d).shuffle(hi32).localSet(t3);
  f.localGet(t0)
    .localGet(t2)
    .shuffle(lo64)
    .localSet(out[0] as Local);
  f.localGet(t0)
    .localGet(t2)
    .shuffle(hi64)
    .localSet(out[1] as Local);
  f.localGet(t1)
    .localGet(t3)
    .shuffle(lo64)
    .localSet(out[2] as Local);
  f.localGet(t1)
    .localGet(t3)
    .shuffle(hi64)
    .localSet(out[3] as Local);
}

/** Emits the columns of `field` (its updates: `cnt` entries of its list) in one pass. */
export function emitFusedField(
  c: DecodeCtx,
  p: ColumnLocals,
  q: FusedLocals,
  field: KernelField,
  cnt: Local,
  stride: number,
  capacity: number,
  scratch: DecodeScratch,
): void {
  const { f, r } = c;
  const first = field.quat ? 1 : 0;
  const slots: number[] = [];
  for (let s = first; s < field.width; s++) slots.push(s);
  const listOffset = field.inline * capacity * 4;
  const rowOffset = field.offset * 4;
  // Column k (slot slots[k]) uses fused locals k and dense array k.
  const cols: DenseColumn[] = slots.map((_, k) => ({
    w: q.w[k] as Local,
    l: q.l[k] as Local,
    p0: q.p0[k] as Local,
    end: q.end[k] as Local,
    dense: (scratch.columns[k] as DecodeScratch["columns"][number]).denseOffset,
  }));
  const last = q.end[slots.length - 1] as Local;
  f.localGet(cnt).i32Const(0).op("i32.gt_s");
  const any = f.if();
  const done = f.block();
  const fused = f.block();
  const headerFail = f.block();
  f.localGet(r.pos).localSet(q.start).localGet(c.synced).localSet(q.synced);
  const hc: DecodeCtx = { ...c, fail: headerFail };
  cols.forEach((col) => {
    emitDenseHeader(hc, p, col, cnt, q.x, capacity);
    f.localGet(col.end).localSet(r.pos);
  });
  f.br(fused);
  f.end(headerFail);
  // A header failed: its dense entries zeroed, then from the field's start again, one column after
  // the other (their refusals).
  emitDenseZero(f, p.misc, scratch, slots.length);
  f.localGet(q.start).localSet(r.pos).localGet(q.synced).localSet(c.synced).i32Const(0).localSet(r.failed);
  for (const s of slots) emitColumn(c, p, field, s, cnt, stride, capacity, scratch);
  f.br(done);
  f.end(fused);
  // The values pass: groups of four while they can run (every width ≤ 14, 1:1 or no prediction).
  f.i32Const(1);
  cols.forEach((col, k) => {
    f.localGet(col.w).i32Const(14).op("i32.le_u").op("i32.and");
    f.localGet(col.p0).localSet(q.at[k] as Local);
  });
  if (!field.quat) f.localGet(p.unit).localGet(p.hasRef).op("i32.eqz").op("i32.or").op("i32.and");
  f.localSet(q.ok);
  f.localGet(cnt).i32Const(-4).op("i32.and").i32Const(0).localGet(q.ok).op("select").localSet(q.lim);
  f.i32Const(0).localSet(p.j);
  cols.forEach((_, k) => void f.v128ConstI32(0, 0, 0, 0).localSet(q.mx[k] as Local));
  const groupsDone = f.block();
  f.localGet(q.lim).op("i32.eqz").brIf(groupsDone);
  const groups = f.loop();
  {
    f.localGet(p.misc).localGet(p.j).i32Const(2).op("i32.shl").op("i32.add").localSet(q.mj);
    const o = [p.o, p.u, p.from, p.entry];
    f.localGet(p.lists).localGet(p.j).i32Const(2).op("i32.shl").op("i32.add");
    f.load("v128.load", listOffset, 2).localTee(q.pred);
    f.i32Const(1)
      .op("i32x4.shr_s")
      .i32Const(stride * 4)
      .op("i32x4.splat")
      .op("i32x4.mul")
      .localSet(q.offsets);
    o.forEach((ok, k) => void f.localGet(q.offsets).lane("i32x4.extract_lane", k).localSet(ok));
    const load = (state: Local, into: readonly Local[]): void => {
      o.forEach((ok, k) => {
        f.localGet(state)
          .localGet(ok)
          .op("i32.add")
          .load("v128.load", rowOffset, 2)
          .localSet(into[k] as Local);
      });
    };
    // The work rows hold the base's values in these slots (copied; listed ids are not written
    // before their columns) and the current values of the other lanes.
    load(p.work, q.rows);
    transpose(f, q.rows, q.tmp, q.cols);
    if (!field.quat) {
      load(p.ref, q.rows);
      transpose(f, q.rows, q.tmp, q.refs);
      // Predicted lanes (entry & 1): 2·from − ref clamped to 0..max; the others keep from.
      f.localGet(q.pred).i32Const(31).op("i32x4.shl").i32Const(31).op("i32x4.shr_s").localSet(q.pred);
      for (const s of slots) {
        const col = q.cols[s] as Local;
        f.localGet(col)
          .localGet(col)
          .op("i32x4.add")
          .localGet(q.refs[s] as Local)
          .op("i32x4.sub");
        f.i32Const(0).op("i32x4.splat").op("i32x4.max_s");
        f.i32Const(field.slotMax[s] as number)
          .op("i32x4.splat")
          .op("i32x4.min_s");
        f.localGet(col).localGet(q.pred).op("v128.bitselect").localSet(col);
      }
    }
    slots.forEach((s, k) => {
      const { w, l, dense } = cols[k] as DenseColumn;
      const [at, col] = [q.at[k], q.cols[s]] as [Local, Local];
      // Four w-bit values from one 64-bit load (decodeColumnSimd.ts), their exceptions' high bits
      // ORed in (and zeroed), zigzag-added to from.
      f.localGet(c.input).localGet(at).i32Const(3).op("i32.shr_u").op("i32.add").load("i64.load", 0, 0);
      f.localGet(at).i32Const(7).op("i32.and").op("i64.extend_i32_u").op("i64.shr_u").localTee(q.x);
      f.op("i64x2.splat").localGet(q.x).localGet(w).i32Const(1).op("i32.shl").op("i64.extend_i32_u");
      f.op("i64.shr_u").lane("i64x2.replace_lane", 1);
      f.localTee(q.tmp[0] as Local)
        .localGet(q.tmp[0] as Local)
        .localGet(w)
        .op("i64x2.shr_u");
      f.shuffle([0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27]);
      f.localGet(l).op("i32x4.splat").op("v128.and");
      f.localGet(q.mj)
        .load("v128.load", dense, 2)
        .op("v128.or")
        .localSet(q.tmp[0] as Local);
      f.localGet(q.mj).v128ConstI32(0, 0, 0, 0).store("v128.store", dense, 2);
      f.localGet(col)
        .localGet(q.tmp[0] as Local)
        .i32Const(1)
        .op("i32x4.shr_u");
      // −(u & 1) as (u << 31) >> 31 (no constant, no negation).
      f.localGet(q.tmp[0] as Local)
        .i32Const(31)
        .op("i32x4.shl")
        .i32Const(31)
        .op("i32x4.shr_s")
        .op("v128.xor");
      f.op("i32x4.add").localTee(col);
      f.localGet(q.mx[k] as Local)
        .op("i32x4.max_u")
        .localSet(q.mx[k] as Local);
    });
    transpose(f, q.cols, q.tmp, q.rows);
    o.forEach((ok, k) => {
      f.localGet(p.work)
        .localGet(ok)
        .op("i32.add")
        .localGet(q.rows[k] as Local)
        .store("v128.store", rowOffset, 2);
    });
    cols.forEach(({ w }, k) => {
      const at = q.at[k] as Local;
      f.localGet(at).localGet(w).i32Const(2).op("i32.shl").op("i32.add").localSet(at);
    });
    f.localGet(p.j).i32Const(4).op("i32.add").localTee(p.j).localGet(q.lim).op("i32.lt_u").brIf(groups);
  }
  f.end(groups).end(groupsDone);
  // A group's value out of range refuses the call after the groups instead of at its group: the
  // same outcome (Invalid at the synced position; the work state is not kept), one check a field.
  f.i32Const(0);
  slots.forEach((s, k) => {
    f.localGet(q.mx[k] as Local)
      .i32Const(field.slotMax[s] as number)
      .op("i32x4.splat")
      .op("i32x4.gt_u")
      .op("v128.any_true")
      .op("i32.or");
  });
  f.brIf(c.fail);
  // The rest one entry at a time, one column after the other.
  const tailDone = f.block();
  const tail = f.loop();
  f.localGet(p.j).localGet(cnt).op("i32.ge_s").brIf(tailDone);
  slots.forEach((s, k) => {
    const at = q.at[k] as Local;
    f.localGet(at).localSet(r.pos);
    emitDenseScalar(c, p, cols[k] as DenseColumn, field, s, stride, capacity);
    f.localGet(r.pos).localSet(at);
  });
  f.localGet(p.j).i32Const(1).op("i32.add").localSet(p.j).br(tail);
  f.end(tail).end(tailDone);
  f.localGet(last).localSet(r.pos);
  f.end(done);
  f.end(any);
}
