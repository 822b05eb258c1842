/**
 * The wasm gather's one-array fields (captureScalars.ts TableScalar), quantized from their f64
 * table element as the JS kernel's code does it (fieldAccess.ts quantizeSource): ints, bools and
 * numeric enums. Used by the per-entity gather (captureGatherEmit.ts) and the four-entries step
 * (captureGatherFour.ts).
 */
import type { CapturePlan } from "./capturePlan";
import { ROUND_EXCEPTION } from "./captureQuantize";
import type { TableScalar } from "./captureScalars";
import type { Local, WasmFunction } from "./wasmModule";

/**
 * With an int field's f64 table element's address on the stack: IntValueTemplate.quantize(array[eid]
 * ?? 0) — round (Math.round: floor(r + 0.5), 0 at the one exception), then v >= max ? max - min :
 * v > min ? v - min : 0 (NaN → 0), as ToInt32 — stored in the quantized row of the entry at byte
 * offset `a4` (entry × 4) plus `entries` entries.
 */
export function emitInt(
  f: WasmFunction,
  plan: CapturePlan,
  offset: number,
  int: TableScalar,
  r: Local,
  a4: Local,
  entries: number,
): void {
  const { min, max } = int;
  f.load("f64.load").localSet(r);
  if (int.kind !== "int") {
    emitFlagOrIndex(f, plan, offset, int, r, a4, entries);
    return;
  }
  f.f64Const(0).localGet(r).f64Const(0.5).op("f64.add").op("f64.floor");
  f.localGet(r).f64Const(ROUND_EXCEPTION).op("f64.eq").op("select").localSet(r);
  f.localGet(a4).i32Const(plan.stride).op("i32.mul");
  f.f64Const(max - min);
  f.localGet(r).f64Const(min).op("f64.sub").f64Const(0).localGet(r).f64Const(min).op("f64.gt").op("select");
  f.localGet(r).f64Const(max).op("f64.ge").op("select");
  f.op("i64.trunc_sat_f64_s").op("i32.wrap_i64");
  f.store("i32.store", plan.quantized + (entries * plan.stride + offset) * 4);
}

/**
 * The bool and enum forms of emitInt (fieldAccess.ts quantizeSource, a number `r`): a bool
 * `r ? 1 : 0` (neither 0, -0 nor NaN), an enum of values 0…max `(r | 0) === r && r >= 0 &&
 * r <= max ? r : 0` (an integer in range; -0 → 0), of other values the index of the first equal.
 */
function emitFlagOrIndex(
  f: WasmFunction,
  plan: CapturePlan,
  offset: number,
  s: TableScalar,
  r: Local,
  a4: Local,
  entries: number,
): void {
  f.localGet(a4).i32Const(plan.stride).op("i32.mul");
  if (s.kind === "bool") {
    f.localGet(r).f64Const(0).op("f64.ne").localGet(r).localGet(r).op("f64.eq").op("i32.and");
  } else if (s.values !== undefined) {
    // The first index whose value equals r (f64.eq: -0 matches 0, as the Map's SameValueZero), else 0.
    const values = s.values;
    const match = (i: number): void => {
      if (i === values.length) {
        f.i32Const(0);
        return;
      }
      f.i32Const(i);
      match(i + 1);
      f.localGet(r)
        .f64Const(values[i] as number)
        .op("f64.eq")
        .op("select");
    };
    match(0);
  } else {
    f.localGet(r).op("i32.trunc_sat_f64_s").i32Const(0);
    f.localGet(r).op("f64.trunc").localGet(r).op("f64.eq");
    f.localGet(r).f64Const(0).op("f64.ge").op("i32.and");
    f.localGet(r).f64Const(s.max).op("f64.le").op("i32.and").op("select");
  }
  f.store("i32.store", plan.quantized + (entries * plan.stride + offset) * 4);
}
