/**
 * The wasm apply kernel's int, bool and enum fields (applyPlan.ts kind "scalar"): one slot written
 * to one column of any numeric typed array, as the JS apply kernel writes it (fieldAccess.ts
 * dequantizeSource) — an int `q + min`, a bool `q === 1 ? 1 : 0`, an enum with values 0…max
 * `q >>> 0 <= max ? q : 0` — computed in i32 for an integer column (a narrow store keeps the low
 * bits: the typed array's own wrap-around) and in f64 for a float one (exact; demoted to f32 as a
 * Float32Array store rounds; clamped to 0…255 for a Uint8ClampedArray, whose values are integers here).
 */
import type { ApplyField } from "./applyPlan";
import type { Local, WasmFunction } from "./wasmModule";

/** The store instruction and address shift of each column element type. */
const STORES = {
  f64: { op: "f64.store", shift: 3 },
  f32: { op: "f32.store", shift: 2 },
  i32: { op: "i32.store", shift: 2 },
  i16: { op: "i32.store16", shift: 1 },
  i8: { op: "i32.store8", shift: 0 },
  u8c: { op: "i32.store8", shift: 0 },
} as const;

/**
 * Stores the value of `field`'s slot (pushed by `slot`, an i32) to entity `eid`'s column copy;
 * `tmp` is an i32 scratch local.
 */
export function emitScalarStore(
  f: WasmFunction,
  field: ApplyField & { kind: "scalar" },
  eid: Local,
  slot: () => void,
  tmp: Local,
): void {
  const col = field.columns[0];
  if (col === undefined) throw new Error(`wasm apply: field at slot ${field.offset} has no column.`);
  const store = STORES[col.element];
  // A Uint8ClampedArray clamps the (integer) value to 0..255: computed in f64 like a float column.
  const float = col.element === "f64" || col.element === "f32" || col.element === "u8c";
  f.localGet(eid).i32Const(store.shift).op("i32.shl");
  const s = field.scalar;
  slot();
  if (s.kind === "int") {
    if (float) f.op("f64.convert_i32_s").f64Const(s.min).op("f64.add");
    else f.i32Const(s.min | 0).op("i32.add"); // min mod 2^32: the same low bits of q + min
  } else {
    if (s.kind === "bool") f.i32Const(1).op("i32.eq");
    else {
      // select(q, 0, q <=u max)
      f.localTee(tmp).i32Const(0).localGet(tmp).i32Const(s.max).op("i32.le_u").op("select");
    }
    if (float) f.op("f64.convert_i32_s");
  }
  if (col.element === "f32") f.op("f32.demote_f64");
  if (col.element === "u8c") f.f64Const(0).op("f64.max").f64Const(255).op("f64.min").op("i32.trunc_f64_s");
  f.store(store.op, col.address);
}

/** emitScalarStore for each of four ids (the four-ids step): the `changed` ones, from lane 0 of their `rows`. */
export function emitScalarLanes(
  f: WasmFunction,
  field: ApplyField & { kind: "scalar" },
  rows: readonly Local[],
  eid: readonly Local[],
  changed: Local,
  tmp: Local,
): void {
  for (let k = 0; k < 4; k++) {
    f.localGet(changed)
      .i32Const(1 << k)
      .op("i32.and");
    const write = f.if();
    const row = rows[k] as Local;
    emitScalarStore(f, field, eid[k] as Local, () => void f.localGet(row).lane("i32x4.extract_lane", 0), tmp);
    f.end(write);
  }
}
