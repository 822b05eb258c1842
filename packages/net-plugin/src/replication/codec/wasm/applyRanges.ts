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

  /** `inPlace[c]`: column c is written in place (never copied). */
  private readonly inPlace: readonly boolean[];

  /** `fields[c]`: the plan field index of column c. */
  constructor(
    private readonly plan: ApplyPlan,
    private readonly fields: readonly number[],
  ) {
    this.inPlace = plan.fields.flatMap((f) => f.columns.map((c) => c.inPlace));
  }

  /**
   * True when every dequantized field wrote none or all of the entities of the call's range
   * (read from the kernel's memory `i32`); the range is kept for `copyOut`.
   */
  whole(i32: Int32Array): boolean {
    const at = this.plan.ranges >> 2;
    let lo = -1;
    let hi = -1;
    for (let fi = 0; fi < this.plan.fields.length; fi++) {
      if (this.plan.fields[fi]?.kind === "generic") continue;
      const n = i32[at + fi * 3] as number;
      if (n === 0) continue;
      lo = i32[at + fi * 3 + 1] as number;
      hi = i32[at + fi * 3 + 2] as number;
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
  copyOut(i32: Int32Array, copies: readonly Column[], columns: readonly { readonly array: Column }[]): void {
    const lo = this.lo;
    if (lo < 0) return;
    const hi = this.hi;
    const cut = this.cut;
    const at = this.plan.ranges >> 2;
    if (copies !== this.copies || lo !== this.cutLo || hi !== this.cutHi) {
      if (copies === this.copies && (lo !== this.lastLo || hi !== this.lastHi)) {
        // A range seen once (an edge entity resting for a tick): copy it element by element, so
        // a range that changes every tick never cuts views (no per-tick allocation).
        this.lastLo = lo;
        this.lastHi = hi;
        for (let c = 0; c < columns.length; c++) {
          if ((i32[at + (this.fields[c] as number) * 3] as number) === 0 || this.inPlace[c] === true)
            continue;
          const from = copies[c] as Column;
          const to = (columns[c] as { readonly array: Column }).array;
          for (let e = lo; e <= hi; e++) to[e] = from[e] as number;
        }
        return;
      }
      // Re-cut when the memory's views changed or a new range repeats (a steady world: never).
      for (let c = 0; c < copies.length; c++) cut[c] = (copies[c] as Column).subarray(lo, hi + 1);
      this.copies = copies;
      this.cutLo = lo;
      this.cutHi = hi;
    }
    for (let c = 0; c < columns.length; c++) {
      if ((i32[at + (this.fields[c] as number) * 3] as number) === 0 || this.inPlace[c] === true) continue;
      ((columns[c] as { readonly array: Column }).array as Float32Array).set(cut[c] as Float32Array, lo);
    }
  }
}
