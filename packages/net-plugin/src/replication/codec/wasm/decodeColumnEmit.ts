/**
 * One value column of the generated wasm update reader (decodeEmit.ts), as decodeKernel.ts's
 * `columnHeader` and `readColumn` read it: its width, its values skipped (their length checked
 * first), its exception count, exception width and exceptions (their length checked first; the
 * positions strictly rising, inside the column, high bits not zero), then one pass over the
 * field's list of updates: each value patched when it is an exception, added to its baseline
 * (velocity-predicted for `slots` fields, expression for expression as the JS kernel, in f64),
 * range-checked and stored into the work state in place.
 */
import type { KernelField } from "../kernels/compileKernel";
import { EXCEPTION_WIDTH_BITS, WIDTH_BITS } from "../columns";
import { expGolomb, fixed, need, type DecodeCtx } from "./decodeBits";
import type { DecodeScratch } from "./decodeArgs";
import { emitEntryRow, emitStoreValue } from "./decodeValueEmit";
import { emitGroup, emitGroupLimit, emitGroupSetup, simdLocals, type SimdLocals } from "./decodeColumnSimd";
import type { Local, WasmFunction } from "./wasmModule";

/** The function's parameters a column reads, and locals all columns share. */
export interface ColumnLocals {
  readonly misc: Local;
  readonly lists: Local;
  readonly base: Local;
  readonly work: Local;
  readonly ref: Local;
  readonly rn: Local;
  readonly rd: Local;
  readonly unit: Local;
  readonly hasRef: Local;
  /** The four-value group locals, when the module uses SIMD. */
  readonly simd: SimdLocals | undefined;
  readonly w: Local;
  readonly l: Local;
  readonly p0: Local;
  readonly e: Local;
  readonly x: Local;
  readonly pb: Local;
  readonly prev: Local;
  readonly j: Local;
  readonly next: Local;
  readonly xi: Local;
  readonly entry: Local;
  readonly o: Local;
  readonly u: Local;
  readonly from: Local;
  readonly end: Local;
  readonly g: Local;
}

/** The shared locals of `f` (parameters given). */
export function columnLocals(
  f: WasmFunction,
  params: Pick<ColumnLocals, "misc" | "lists" | "base" | "work" | "ref" | "rn" | "rd" | "unit" | "hasRef">,
  simd: boolean,
): ColumnLocals {
  const L = (): Local => f.local("i32");
  return {
    ...params,
    simd: simd ? simdLocals(f) : undefined,
    w: L(),
    l: L(),
    p0: L(),
    e: L(),
    x: L(),
    pb: L(),
    prev: L(),
    j: L(),
    next: L(),
    xi: L(),
    entry: L(),
    o: L(),
    u: L(),
    from: L(),
    end: L(),
    g: f.local("f64"),
  };
}

/** Where a column's exceptions go in the misc block (byte offsets). */
export interface ExceptionScratch {
  readonly exPosOffset: number;
  readonly exHighOffset: number;
}

/** Emits column `s` of `field` (its updates: `cnt` entries of the field's list). */
export function emitColumn(
  c: DecodeCtx,
  p: ColumnLocals,
  field: KernelField,
  s: number,
  cnt: Local,
  stride: number,
  capacity: number,
  scratch: DecodeScratch,
): void {
  const { f, r } = c;
  f.localGet(cnt).i32Const(0).op("i32.gt_s");
  const any = f.if();
  emitColumnHeader(c, p, cnt, scratch);
  f.i32Const(0).localSet(p.j);
  if (p.simd !== undefined) emitGroupSetup(f, p, p.simd, field, cnt);
  const exit = f.block();
  const values = f.loop();
  {
    const slot = (field.offset + s) * 4;
    if (p.simd !== undefined)
      emitGroup(
        c,
        p,
        p.simd,
        field,
        slot,
        field.slotMax[s] as number,
        cnt,
        stride,
        field.inline * capacity * 4,
        values,
        exit,
      );
    emitScalarValue(c, p, field, s, cnt, stride, capacity, scratch);
    f.localGet(p.j).i32Const(1).op("i32.add").localTee(p.j).localGet(cnt).op("i32.lt_s").brIf(values);
  }
  f.end(values).end(exit);
  f.localGet(p.end).localSet(r.pos);
  f.end(any);
}

/** Where one column's width, value mask and first value go. */
export interface ColumnHeaderLocals {
  readonly w: Local;
  readonly l: Local;
  readonly p0: Local;
}

/**
 * A column header's common part (cnt > 0), as the JS kernel reads it: the width into `at.w` (and
 * `at.l`, the value mask), the values skipped after their length check (`at.p0` their start), the
 * exception count's code; when there are exceptions (`p.e` > 0), the exception width into `p.x`
 * and the position bits into `p.pb`, all checked, then `list()` emits the exceptions' loop.
 * Refusals branch to `c.fail`; leaves r.pos after the exceptions.
 */
export function emitHeaderWith(
  c: DecodeCtx,
  p: ColumnLocals,
  cnt: Local,
  at: ColumnHeaderLocals,
  list: () => void,
): void {
  const { f, r } = c;
  need(c, () => void f.i32Const(WIDTH_BITS));
  fixed(c, WIDTH_BITS, (1 << WIDTH_BITS) - 1);
  // l = (1 << w) - 1: 0x7fffffff for w = 31 as well.
  f.localSet(at.w).i32Const(1).localGet(at.w).op("i32.shl").i32Const(1).op("i32.sub").localSet(at.l);
  need(c, () => void f.localGet(cnt).localGet(at.w).op("i32.mul"));
  f.localGet(r.pos).localTee(at.p0).localGet(cnt).localGet(at.w).op("i32.mul").op("i32.add").localSet(r.pos);
  // No exceptions (the usual case): the count's one-bit code (the input is zero-padded: a bit at
  // the end reads 0 and takes the general path, which overflows).
  f.localGet(c.input).localGet(r.pos).i32Const(3).op("i32.shr_u").op("i32.add").load("i32.load8_u");
  f.localGet(r.pos).i32Const(7).op("i32.and").op("i32.shr_u").i32Const(1).op("i32.and");
  const one = f.if();
  f.localGet(r.pos).i32Const(1).op("i32.add").localSet(r.pos);
  f.else();
  expGolomb(c, 0);
  f.localTee(p.e).localGet(cnt).op("i32.gt_u").brIf(c.fail);
  f.localGet(p.e);
  const some = f.if();
  {
    need(c, () => void f.i32Const(EXCEPTION_WIDTH_BITS));
    fixed(c, EXCEPTION_WIDTH_BITS, (1 << EXCEPTION_WIDTH_BITS) - 1);
    f.localTee(p.x).op("i32.eqz");
    f.localGet(at.w).localGet(p.x).op("i32.add").i32Const(31).op("i32.gt_u").op("i32.or").brIf(c.fail);
    // pb = cnt <= 1 ? 0 : 32 - clz(cnt - 1)
    f.i32Const(32).localGet(cnt).i32Const(1).op("i32.sub").op("i32.clz").op("i32.sub");
    f.i32Const(0).localGet(cnt).i32Const(1).op("i32.gt_s").op("select").localSet(p.pb);
    need(c, () => void f.localGet(p.e).localGet(p.pb).localGet(p.x).op("i32.add").op("i32.mul"));
    list();
  }
  f.end(some);
  f.end(one);
}

/**
 * A column's header (cnt > 0): its width into `w` (and `l`, the value mask), its values skipped
 * after their length check (`p0` their start), its exceptions read and checked into `ex`, `next`
 * and `xi` set for the value pass, `end` the column's end; leaves r.pos at `p0`.
 */
export function emitColumnHeader(c: DecodeCtx, p: ColumnLocals, cnt: Local, ex: ExceptionScratch): void {
  const { f, r } = c;
  const at = (index: Local, offset: number): void => miscEntry(f, p, index, offset);
  f.i32Const(0).localSet(p.e);
  emitHeaderWith(c, p, cnt, p, () => {
    f.i32Const(-1).localSet(p.prev).i32Const(0).localSet(p.j);
    const list = f.loop();
    // at (pb bits), then the high bits (x bits); masks from the counts (pb = 0: 0).
    const mask = (n: Local): void => void f.i32Const(1).localGet(n).op("i32.shl").i32Const(1).op("i32.sub");
    mask(p.pb);
    f.localSet(p.u);
    fixed(c, p.pb, p.u);
    f.localSet(p.entry);
    mask(p.x);
    f.localSet(p.u);
    fixed(c, p.x, p.u);
    f.localSet(p.u);
    f.localGet(p.entry).localGet(p.prev).op("i32.le_s");
    f.localGet(p.entry).localGet(cnt).op("i32.ge_s").op("i32.or");
    f.localGet(p.u).op("i32.eqz").op("i32.or").brIf(c.fail);
    at(p.j, ex.exPosOffset);
    f.localGet(p.entry).store("i32.store");
    at(p.j, ex.exHighOffset);
    f.localGet(p.u).localGet(p.w).op("i32.shl").store("i32.store");
    f.localGet(p.entry).localSet(p.prev);
    f.localGet(p.j).i32Const(1).op("i32.add").localTee(p.j).localGet(p.e).op("i32.lt_s").brIf(list);
    f.end(list);
    // After the last exception: a position no value has.
    at(p.e, ex.exPosOffset);
    f.i32Const(-1).store("i32.store");
  });
  // next = e > 0 ? exPos[0] : -1
  f.localGet(p.misc)
    .load("i32.load", ex.exPosOffset)
    .i32Const(-1)
    .localGet(p.e)
    .op("select")
    .localSet(p.next);
  f.i32Const(0).localSet(p.xi);
  f.localGet(r.pos).localSet(p.end).localGet(p.p0).localSet(r.pos);
}

/**
 * Entry `j` of column `s`: its value read at r.pos (moved past it), patched when it is the next
 * exception, added to its (predicted) baseline, range-checked (else `fail`) and stored.
 */
export function emitScalarValue(
  c: DecodeCtx,
  p: ColumnLocals,
  field: KernelField,
  s: number,
  cnt: Local,
  stride: number,
  capacity: number,
  ex: ExceptionScratch,
  onNext?: () => void,
): void {
  const { f } = c;
  const at = (index: Local, offset: number): void => miscEntry(f, p, index, offset);
  emitEntryRow(f, p, field, stride, capacity);
  fixed(c, p.w, p.l);
  f.localSet(p.u);
  f.localGet(p.j).localGet(p.next).op("i32.eq");
  const patched = f.if();
  at(p.xi, ex.exHighOffset);
  f.load("i32.load").localGet(p.u).op("i32.or").localSet(p.u);
  f.localGet(p.xi).i32Const(1).op("i32.add").localSet(p.xi);
  at(p.xi, ex.exPosOffset);
  f.load("i32.load").localSet(p.next);
  if (onNext !== undefined) onNext();
  else if (p.simd !== undefined) emitGroupLimit(f, p, p.simd, cnt);
  f.end(patched);
  emitStoreValue(c, p, field, s);
}

/** Pushes the address of entry `index` of an i32 array at `offset` in the misc block. */
function miscEntry(f: DecodeCtx["f"], p: ColumnLocals, index: Local, offset: number): void {
  f.localGet(p.misc).localGet(index).i32Const(2).op("i32.shl").op("i32.add").i32Const(offset).op("i32.add");
}
