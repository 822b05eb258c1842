/**
 * The apply kernel's write counts and entity range (applyEmit.ts `apply`; Session 7): per
 * dequantized field how many entities it wrote, and one range of entity ids holding every entity
 * written, stored at the plan's `ranges` for the range copy-out (applyRanges.ts).
 */
import type { ApplyPlan } from "./applyPlan";
import type { Local, WasmFunction } from "./wasmModule";

/** apply's write counts per dequantized field and the entity range holding every write. */
export interface WriteRange {
  readonly counts: readonly (Local | undefined)[];
  readonly lo: Local;
  readonly hi: Local;
  /** Lane-wise smallest and largest entity ids of the four-ids steps (SIMD). */
  readonly loV: Local | undefined;
  readonly hiV: Local | undefined;
}

/** Stores each dequantized field's count and the range (its lanes reduced in) at plan.ranges. */
export function emitRangeStore(f: WasmFunction, plan: ApplyPlan, r: WriteRange): void {
  const lanes = f.local("i32");
  const reduce = (
    vec: Local,
    into: Local,
    op: "i32x4.min_s" | "i32x4.max_s",
    keep: "i32.lt_s" | "i32.gt_s",
  ) => {
    // The four lanes folded by halves, then kept when better than the scalar one.
    f.localGet(vec).localGet(vec).localGet(vec);
    f.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).op(op).localSet(vec);
    f.localGet(vec).localGet(vec).localGet(vec);
    f.shuffle([4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15]).op(op);
    f.lane("i32x4.extract_lane", 0).localTee(lanes);
    f.localGet(into).localGet(lanes).localGet(into).op(keep).op("select").localSet(into);
  };
  if (r.loV !== undefined) reduce(r.loV, r.lo, "i32x4.min_s", "i32.lt_s");
  if (r.hiV !== undefined) reduce(r.hiV, r.hi, "i32x4.max_s", "i32.gt_s");
  r.counts.forEach((n, fi) => {
    if (n === undefined) return;
    [n, r.lo, r.hi].forEach(
      (v, w) =>
        void f
          .i32Const(0)
          .localGet(v)
          .store("i32.store", plan.ranges + fi * 12 + w * 4),
    );
  });
}
