/**
 * The fused field pass's (decodeFieldFused.ts) column headers and scalar entries with exceptions
 * kept dense: each column's exception high bits go straight to their entry's slot of a per-column
 * array of `capacity + 1` i32 in the misc block (decodeArgs.ts `columns`), which the values pass
 * ORs into every value (a v128 load per four) and sets back to zero as it goes — no exception
 * list, position cursor or per-group branch (Session 9; ≈ 26 exceptions a tick over the six
 * columns of the bench trace). The arrays are zero between calls: zeroed when the reader is built,
 * by the values pass as it reads them, and by `emitDenseZero` on every path that leaves early (a
 * header failure before the per-column reader runs, the reader's `fail`).
 *
 * The header checks are the per-column reader's (decodeColumnEmit.ts emitColumnHeader); any
 * failure goes to the caller's label, which rewinds and reads the columns one after the other, so
 * the status and final position are always that reader's. An exception position at or past the
 * count is stored in the spare last slot (never read) before the refusal.
 */
import type { KernelField } from "../kernels/compileKernel";
import type { DecodeScratch } from "./decodeArgs";
import { fixed, type DecodeCtx } from "./decodeBits";
import { emitHeaderWith, type ColumnLocals } from "./decodeColumnEmit";
import { emitEntryRow, emitStoreValue } from "./decodeValueEmit";
import type { Local, WasmFunction } from "./wasmModule";

/** One column's locals in the fused pass. */
export interface DenseColumn {
  /** Width and value mask. */
  readonly w: Local;
  readonly l: Local;
  /** First value's bit, and the bit after the column. */
  readonly p0: Local;
  readonly end: Local;
  /** Byte offset of the column's dense high bits from `misc`. */
  readonly dense: number;
}

/** Zeroes the dense arrays of `columns` columns (a path that leaves them possibly written). */
export function emitDenseZero(f: WasmFunction, misc: Local, scratch: DecodeScratch, columns: number): void {
  const first = scratch.columns[0];
  if (first === undefined || columns <= 0) return;
  f.localGet(misc).i32Const(first.denseOffset).op("i32.add");
  f.i32Const(0)
    .i32Const(columns * 4 * (scratch.capacity + 1))
    .memoryFill();
}

/**
 * A column's header (cnt > 0) as emitColumnHeader reads and checks it, its exceptions' high bits
 * (shifted by the width) stored at their entries; leaves r.pos at `p0`, `end` after the column.
 * Any refusal branches to `c.fail`.
 */
export function emitDenseHeader(
  c: DecodeCtx,
  p: ColumnLocals,
  col: DenseColumn,
  cnt: Local,
  x64: Local,
  capacity: number,
): void {
  const { f, r } = c;
  emitHeaderWith(c, p, cnt, col, () => {
    f.i32Const(-1).localSet(p.prev).i32Const(0).localSet(p.j).i32Const(0).localSet(p.from);
    // Masks of the position (pb bits, 0 when pb = 0) and of the high bits (x bits).
    f.i32Const(1).localGet(p.pb).op("i32.shl").i32Const(1).op("i32.sub").localSet(p.o);
    f.i32Const(1).localGet(p.x).op("i32.shl").i32Const(1).op("i32.sub").localSet(p.next);
    const list = f.loop();
    // Both from one 64-bit load (pb + x ≤ 16 + 31 bits after a shift of up to 7).
    f.localGet(c.input).localGet(r.pos).i32Const(3).op("i32.shr_u").op("i32.add").load("i64.load", 0, 0);
    f.localGet(r.pos).i32Const(7).op("i32.and").op("i64.extend_i32_u").op("i64.shr_u").localTee(x64);
    f.op("i32.wrap_i64").localGet(p.o).op("i32.and").localSet(p.entry);
    f.localGet(x64).localGet(p.pb).op("i64.extend_i32_u").op("i64.shr_u").op("i32.wrap_i64");
    f.localGet(p.next).op("i32.and").localSet(p.u);
    f.localGet(r.pos).localGet(p.pb).op("i32.add").localGet(p.x).op("i32.add").localSet(r.pos);
    // Refused after the list (the same outcome): not rising, past the count, or no high bits.
    f.localGet(p.from);
    f.localGet(p.entry).localGet(p.prev).op("i32.le_s").op("i32.or");
    f.localGet(p.entry).localGet(cnt).op("i32.ge_s").op("i32.or");
    f.localGet(p.u).op("i32.eqz").op("i32.or").localSet(p.from);
    // dense[entry < cnt ? entry : capacity] = u << w
    f.localGet(p.misc);
    f.localGet(p.entry).i32Const(capacity).localGet(p.entry).localGet(cnt).op("i32.lt_u").op("select");
    f.i32Const(2).op("i32.shl").op("i32.add");
    f.localGet(p.u).localGet(col.w).op("i32.shl").store("i32.store", col.dense);
    f.localGet(p.entry).localSet(p.prev);
    f.localGet(p.j).i32Const(1).op("i32.add").localTee(p.j).localGet(p.e).op("i32.lt_s").brIf(list);
    f.end(list);
    f.localGet(p.from).brIf(c.fail);
  });
  f.localGet(r.pos).localSet(col.end).localGet(col.p0).localSet(r.pos);
}

/**
 * Entry `j` of column `s` in the scalar part of the values pass: its value read at r.pos (moved
 * past it), its dense high bits ORed in (and zeroed), added to its (predicted) baseline,
 * range-checked (else `fail`) and stored.
 */
export function emitDenseScalar(
  c: DecodeCtx,
  p: ColumnLocals,
  col: DenseColumn,
  field: KernelField,
  s: number,
  stride: number,
  capacity: number,
): void {
  const { f } = c;
  emitEntryRow(f, p, field, stride, capacity);
  fixed(c, col.w, col.l);
  f.localGet(p.misc).localGet(p.j).i32Const(2).op("i32.shl").op("i32.add").localTee(p.x);
  f.load("i32.load", col.dense).op("i32.or").localSet(p.u);
  f.localGet(p.x).i32Const(0).store("i32.store", col.dense);
  emitStoreValue(c, p, field, s);
}
