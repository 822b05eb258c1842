/**
 * The wasm apply kernel's range copy-out (wasmApply.ts; Session 7). `apply` counts per dequantized
 * field the entities it wrote and keeps one range of entity ids holding every entity written
 * (applyPlan.ts `ranges`). When each field wrote none or every entity of that range (distinct
 * entities: an EntityMap binds each entity once), the column copies hold this call's values over
 * the whole range, and copying just that range out is the whole result — whatever the copies held
 * before the call, so the copy-in of the component columns is not needed. A moving world does
 * this every tick (its entities' ids are contiguous); the kernel wrapper then skips the copy-in
 * while the last call's writes were whole ranges, and re-runs with the copy-in when they were not.
 */
import type { ApplyArray, ApplyPlan } from "./applyPlan";

/** A column's user array and its copy in wasm memory. */
type Column = ApplyArray;

/** The range check and copy-out of one kernel (see the file comment). */
export class ApplyRanges {
  /** The range [lo, hi] of the last `whole` that held, and the copies' views cut for it. */
  private lo = -1;
  private hi = -1;
  private copies: readonly Column[] | undefined;
  private readonly cut: Column[] = [];
  private cutLo = -1;
  private cutHi = -1;
  /** The last call's range when it differed from the cut one (a range re-cut once it repeats). */
  private lastLo = -1;
  private lastHi = -1;
  /** The i32 index of the plan's range words (count, lo, hi per field). */
  private readonly at: number;
  /** The plan fields' range word indexes (`at + 3 × field`) of the fields the kernel dequantizes. */
  private readonly counted: Int32Array;
  /** The columns copied out (not in place): their user arrays, indexes and range word indexes. */
  private readonly targets: Column[];
  private readonly targetColumns: Int32Array;
  private readonly targetCounts: Int32Array;

  /** `fields[c]`: the plan field index of column c. */
  constructor(plan: ApplyPlan, fields: readonly number[]) {
    const at = plan.ranges >> 2;
    this.at = at;
    const counted: number[] = [];
    plan.fields.forEach((f, fi) => {
      if (f.kind !== "generic") counted.push(at + fi * 3);
    });
    this.counted = Int32Array.from(counted);
    const columns = plan.fields.flatMap((f) => f.columns);
    const copied = columns.flatMap((c, i) => (c.inPlace ? [] : [i]));
    this.targets = copied.map((i) => (columns[i] as { array: Column }).array);
    this.targetColumns = Int32Array.from(copied);
    this.targetCounts = Int32Array.from(copied, (i) => at + (fields[i] as number) * 3);
  }

  /**
   * True when every dequantized field wrote none or all of the entities of the call's range
   * (read from the kernel's memory `i32`); the range is kept for `copyOut`.
   */
  whole(i32: Int32Array): boolean {
    const counted = this.counted;
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < counted.length; i++) {
      const w = counted[i] as number;
      const n = i32[w] as number;
      if (n === 0) continue;
      lo = i32[w + 1] as number;
      hi = i32[w + 2] as number;
      if (n !== hi - lo + 1) return false;
    }
    this.lo = lo;
    this.hi = hi;
    return true;
  }

  /**
   * Copies the range `whole` found from the column copies (`copies`, views of the kernel's memory;
   * the same array while the memory did not grow) to the user's columns, for the fields that wrote.
   */
  copyOut(i32: Int32Array, copies: readonly Column[]): void {
    const lo = this.lo;
    if (lo < 0) return;
    const hi = this.hi;
    const cut = this.cut;
    const targets = this.targets;
    const counts = this.targetCounts;
    if (copies !== this.copies || lo !== this.cutLo || hi !== this.cutHi) {
      if (copies === this.copies && (lo !== this.lastLo || hi !== this.lastHi)) {
        // A range seen once (an edge entity resting for a tick): copy it element by element, so
        // a range that changes every tick never cuts views (no per-tick allocation).
        this.lastLo = lo;
        this.lastHi = hi;
        for (let t = 0; t < targets.length; t++) {
          if ((i32[counts[t] as number] as number) === 0) continue;
          const from = copies[this.targetColumns[t] as number] as Column;
          const to = targets[t] as Column;
          for (let e = lo; e <= hi; e++) to[e] = from[e] as number;
        }
        return;
      }
      // Re-cut when the memory's views changed or a new range repeats (a steady world: never).
      for (let t = 0; t < targets.length; t++)
        cut[t] = (copies[this.targetColumns[t] as number] as Column).subarray(lo, hi + 1);
      this.copies = copies;
      this.cutLo = lo;
      this.cutHi = hi;
    }
    for (let t = 0; t < targets.length; t++) {
      if ((i32[counts[t] as number] as number) === 0) continue;
      (targets[t] as Float32Array).set(cut[t] as Float32Array, lo);
    }
  }
}
