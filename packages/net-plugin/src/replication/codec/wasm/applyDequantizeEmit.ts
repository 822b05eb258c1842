/**
 * The apply kernel's per-entity dequantization (applyEmit.ts): the JS apply kernel's inline forms
 * (fieldAccess.ts dequantizeSource) emitted as wasm — a linear field's slots in f64, a rotation in
 * f32 (dequantizeQuat's float32 arithmetic), a Transform as its two parts, an int/bool/enum through
 * applyScalarEmit.ts. The SIMD kernel queues rotations (a Quat's, a Transform's rotation part) for
 * applyQuatEmit.ts instead.
 */
import type { ApplyField } from "./applyPlan";
import { emitScalarStore } from "./applyScalarEmit";
import type { Local, WasmFunction } from "./wasmModule";

type Transform = ApplyField & { kind: "transform" };

/** A Transform field's position part as a linear field (its first three slots and columns). */
export function transformPosition(field: Transform): ApplyField & { kind: "linear" } {
  const { bit, offset, columns, min, max, step, maxValue } = field;
  return { kind: "linear", bit, offset, width: 3, columns: columns.slice(0, 3), min, max, step, maxValue };
}

/** A Transform field's rotation part as a quat field (slots 3–6, columns 3–6, its work list). */
export function transformRotation(field: Transform): ApplyField & { kind: "quat" } {
  const { bit, offset, columns, scale, middle, list } = field;
  return { kind: "quat", bit, offset: offset + 3, width: 4, columns: columns.slice(3), scale, middle, list };
}

/** The locals the dequantization uses (a rotation's: f32). */
export interface DequantizeLocals {
  readonly largest: Local;
  readonly q: Local;
  readonly s0: Local;
  readonly s1: Local;
  readonly s2: Local;
  readonly d: Local;
  readonly x: Local;
  readonly y: Local;
  readonly z: Local;
  readonly w: Local;
  readonly inv: Local;
}

/** Writes the value of `field`'s slots in `row` to entity `eid`'s columns (fieldAccess.ts dequantizeSource). */
export function emitDequantize(
  f: WasmFunction,
  field: ApplyField,
  row: Local,
  eid: Local,
  l: DequantizeLocals,
): void {
  const slot = (s: number): WasmFunction => f.localGet(row).load("i32.load", (field.offset + s) * 4);
  /** Stores the value `value` pushes (an f64, or with `f32` an f32) to column `c` at `eid`. */
  const store = (c: number, value: () => void, f32 = false): void => {
    const col = field.columns[c];
    if (col === undefined) throw new Error(`wasm apply: field at slot ${field.offset} has no column ${c}.`);
    f.localGet(eid)
      .i32Const(col.f64 ? 8 : 4)
      .op("i32.mul");
    value();
    if (col.f64 && f32) f.op("f64.promote_f32");
    if (!col.f64 && !f32) f.op("f32.demote_f64");
    f.store(col.f64 ? "f64.store" : "f32.store", col.address);
  };
  if (field.kind === "scalar") {
    emitScalarStore(f, field, eid, () => void slot(0), l.q);
    return;
  }
  if (field.kind === "transform") {
    // Position as a linear field, rotation as a quat (fieldAccess.ts: the same two forms).
    const { bit, offset, columns, min, max, step, maxValue, scale, middle } = field;
    const position = { bit, offset, width: 3, columns: columns.slice(0, 3), min, max, step, maxValue };
    emitDequantize(f, { ...position, kind: "linear" }, row, eid, l);
    const rotation = {
      bit,
      offset: offset + 3,
      width: 4,
      columns: columns.slice(3),
      scale,
      middle,
      list: -1,
    };
    emitDequantize(f, { ...rotation, kind: "quat" }, row, eid, l);
    return;
  }
  if (field.kind === "linear") {
    for (let s = 0; s < field.width; s++) {
      store(s, () => {
        slot(s)
          .localTee(l.q)
          .i32Const(field.maxValue[s] as number)
          .op("i32.ge_s");
        f.if("f64");
        f.f64Const(field.max[s] as number).else();
        f.f64Const(field.min[s] as number)
          .localGet(l.q)
          .op("f64.convert_i32_s");
        f.f64Const(field.step[s] as number)
          .op("f64.mul")
          .op("f64.add")
          .end();
      });
    }
    return;
  }
  if (field.kind !== "quat") return; // generic fields are never dequantized here
  // dequantizeQuat (protocol/quantize.ts) in f32: its float32 arithmetic step for step.
  slot(0).i32Const(3).op("i32.and").localSet(l.largest);
  [l.s0, l.s1, l.s2].forEach((target, k) => {
    // (slot - middle) · scale: the difference exact (slots < 2^24, middle a half-integer)
    slot(k + 1)
      .op("f32.convert_i32_s")
      .f32Const(field.middle)
      .op("f32.sub");
    f.f32Const(field.scale).op("f32.mul").localSet(target);
  });
  const square = (v: Local): WasmFunction => f.localGet(v).localGet(v).op("f32.mul");
  // n = (s0² + s1²) + s2² (in inv), d = sqrt(max(0, 1 - n))
  square(l.s0);
  square(l.s1).op("f32.add");
  square(l.s2).op("f32.add").localSet(l.inv);
  f.f32Const(0).f32Const(1).localGet(l.inv).op("f32.sub").op("f32.max").op("f32.sqrt").localSet(l.d);
  const isLargest = (k: number): WasmFunction => f.localGet(l.largest).i32Const(k).op("i32.eq");
  f.localGet(l.d).localGet(l.s0);
  isLargest(0).op("select").localSet(l.x);
  f.localGet(l.d).localGet(l.s0).localGet(l.s1);
  isLargest(0).op("select");
  isLargest(1).op("select").localSet(l.y);
  f.localGet(l.d).localGet(l.s2).localGet(l.s1);
  isLargest(3).op("select");
  isLargest(2).op("select").localSet(l.z);
  f.localGet(l.d).localGet(l.s2);
  isLargest(3).op("select").localSet(l.w);
  // inv = 1 / sqrt(max(1, n)): exactly 1 (the components unchanged) unless n > 1
  f.f32Const(1).f32Const(1).localGet(l.inv).op("f32.max").op("f32.sqrt").op("f32.div").localSet(l.inv);
  [l.x, l.y, l.z, l.w].forEach((v, c) => store(c, () => f.localGet(v).localGet(l.inv).op("f32.mul"), true));
}
