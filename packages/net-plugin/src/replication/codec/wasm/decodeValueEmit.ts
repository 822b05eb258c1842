/**
 * One listed value of the generated wasm update reader's columns (decodeColumnEmit.ts, and the
 * fused pass's scalar entries, decodeFieldDense.ts): the entry's row, and its value code added to
 * the (velocity-predicted for `slots` fields, in f64 as the JS kernel) baseline, range-checked and
 * stored into the work state in place.
 */
import type { KernelField } from "../kernels/compileKernel";
import type { DecodeCtx } from "./decodeBits";
import type { ColumnLocals } from "./decodeColumnEmit";
import type { WasmFunction } from "./wasmModule";

/** Entry `j` of the field's list into `entry` (id << 1 | predicted) and its row's byte offset into `o`. */
export function emitEntryRow(
  f: WasmFunction,
  p: ColumnLocals,
  field: KernelField,
  stride: number,
  capacity: number,
): void {
  f.localGet(p.lists).localGet(p.j).i32Const(2).op("i32.shl").op("i32.add");
  f.load("i32.load", field.inline * capacity * 4).localTee(p.entry);
  f.i32Const(1)
    .op("i32.shr_s")
    .i32Const(stride * 4)
    .op("i32.mul")
    .localSet(p.o);
}

/** Slot `s` of the entry's row: the value code `u` added to its (predicted) baseline, range-checked (else `fail`), stored. */
export function emitStoreValue(c: DecodeCtx, p: ColumnLocals, field: KernelField, s: number): void {
  const { f } = c;
  const max = field.slotMax[s] as number;
  const slot = (field.offset + s) * 4;
  f.localGet(p.base).localGet(p.o).op("i32.add").load("i32.load", slot).localSet(p.from);
  if (!field.quat) emitPredict(f, p, slot, max);
  // v = from + ((u >>> 1) ^ -(u & 1)); v >>> 0 > max fails
  f.localGet(p.work).localGet(p.o).op("i32.add");
  f.localGet(p.from).localGet(p.u).i32Const(1).op("i32.shr_u");
  f.i32Const(0).localGet(p.u).i32Const(1).op("i32.and").op("i32.sub").op("i32.xor").op("i32.add");
  f.localTee(p.from).i32Const(max).op("i32.gt_u").brIf(c.fail);
  f.localGet(p.from).store("i32.store", slot);
}

/** A predicted entry (`entry & 1`): from moved by the reference's velocity, clamped to 0..max. */
function emitPredict(f: WasmFunction, p: ColumnLocals, slot: number, max: number): void {
  f.localGet(p.entry).i32Const(1).op("i32.and");
  const predicted = f.if();
  f.localGet(p.unit);
  const isUnit = f.if();
  // from += from - ref (a 1:1 ratio: integers)
  f.localGet(p.from).localGet(p.from).op("i32.add");
  f.localGet(p.ref).localGet(p.o).op("i32.add").load("i32.load", slot).op("i32.sub").localSet(p.from);
  f.else();
  // g = from + Math.round(((from - ref) * rn) / rd), Math.round(y) = floor(y) + (y - floor(y) >= 0.5)
  f.localGet(p.from).localGet(p.ref).localGet(p.o).op("i32.add").load("i32.load", slot).op("i32.sub");
  f.op("f64.convert_i32_s").localGet(p.rn).op("f64.mul").localGet(p.rd).op("f64.div").localTee(p.g);
  f.op("f64.floor").f64Const(1).f64Const(0);
  f.localGet(p.g).localGet(p.g).op("f64.floor").op("f64.sub").f64Const(0.5).op("f64.ge").op("select");
  f.op("f64.add").localGet(p.from).op("f64.convert_i32_s").op("f64.add").localSet(p.g);
  // from = g < 0 ? 0 : g > max ? max : g | 0 (NaN: 0)
  f.i32Const(max).i32Const(0).localGet(p.g).op("i32.trunc_sat_f64_s");
  f.localGet(p.g).f64Const(0).op("f64.lt").op("select");
  f.localGet(p.g).f64Const(max).op("f64.gt").op("select").localSet(p.from);
  f.end(isUnit);
  // Clamped to the slot's range.
  f.i32Const(0).localGet(p.from).localGet(p.from).i32Const(0).op("i32.lt_s").op("select").localSet(p.from);
  f.i32Const(max)
    .localGet(p.from)
    .localGet(p.from)
    .i32Const(max)
    .op("i32.gt_s")
    .op("select")
    .localSet(p.from);
  f.end(predicted);
}
