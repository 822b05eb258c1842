/**
 * The wasm apply kernel's (wasmApply.ts) views of its memory and its component column copies:
 * the prefix copy-in and copy-out around a kernel call, and applyCompact's scatter of packed
 * values. Columns that live in the kernel's memory (componentMemory.ts, `inPlace`) are written by
 * the kernel where they are and never copied; applyCompact (which packs values over the copies)
 * is not used while any column is in place.
 */
import type { ApplyArray, ApplyColumn, ApplyPlan } from "./applyPlan";
import type { CodecMemoryPool } from "./codecMemory";

/** A column's constructor (views of its copy). */
type ApplyArrayType = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ApplyArray;

/** Typed views of the kernel's memory, re-made when the memory grows. */
export interface ApplyViews {
  readonly generation: number;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  /** The plan's entity id per network id (`capacity` i32). */
  readonly eids: Int32Array;
  /** applyCompact's lists of written entity ids (`capacity` i32 per field). */
  readonly written: Int32Array;
  /** applyCompact's count per field. */
  readonly counts: Int32Array;
  /** Per column, a view of its copy (of the column itself when in place). */
  readonly columns: ApplyArray[];
}

/** Views of `pool`'s memory at its current generation for a kernel of `plan`. */
export function applyViews(
  pool: CodecMemoryPool,
  plan: ApplyPlan,
  capacity: number,
  columns: readonly ApplyColumn[],
): ApplyViews {
  const buffer = pool.memory.buffer;
  return {
    generation: pool.generation,
    u8: new Uint8Array(buffer),
    i32: new Int32Array(buffer),
    u32: new Uint32Array(buffer),
    eids: new Int32Array(buffer, plan.eids, capacity),
    written: new Int32Array(buffer, plan.written, capacity * plan.fields.length),
    counts: new Int32Array(buffer, plan.counts, plan.fields.length),
    // A view of the column's own type over its copy.
    columns: columns.map(
      (c) => new (c.array.constructor as ApplyArrayType)(buffer, c.address, c.array.length),
    ),
  };
}

/** The column copies of one kernel (see the file comment). */
export class ApplyCopies {
  /** Indexes (in `columns`) of the columns copied in and out (not in place). */
  private readonly copied: number[];
  /** True when every column is in place (nothing to copy). */
  readonly allInPlace: boolean;
  /** True when some column is in place (applyCompact must not run). */
  readonly anyInPlace: boolean;
  /** Column prefixes for the copies in and out (see `prefixes`), their length and memory generation. */
  private readonly colIn: ApplyArray[] = [];
  private readonly colOut: ApplyArray[] = [];
  private colLength = -1;
  private colGeneration = -1;

  constructor(
    private readonly columns: readonly ApplyColumn[],
    /** `columnField[c]`: the plan field index of column c. */
    private readonly columnField: readonly number[],
    private readonly capacity: number,
  ) {
    this.copied = columns.flatMap((c, i) => (c.inPlace ? [] : [i]));
    this.allInPlace = this.copied.length === 0;
    this.anyInPlace = this.copied.length < columns.length;
  }

  /** Copies the prefixes `[0, n)` of the columns not in place into their copies. */
  copyIn(v: ApplyViews, n: number): void {
    this.prefixes(v, n);
    const copied = this.copied;
    for (let k = 0; k < copied.length; k++) {
      const c = copied[k] as number;
      const from = this.colIn[c] as Float32Array;
      (v.columns[c] as typeof from).set(from);
    }
  }

  /** Copies the prefixes of the last `copyIn` back out to the columns not in place. */
  copyOut(): void {
    const copied = this.copied;
    for (let k = 0; k < copied.length; k++) {
      const c = copied[k] as number;
      const from = this.colOut[c] as Float32Array;
      ((this.columns[c] as ApplyColumn).array as typeof from).set(from);
    }
  }

  /** applyCompact's result: each field's packed values to its written entities (no column in place). */
  scatter(v: ApplyViews): void {
    const columns = this.columns;
    const owner = this.columnField;
    const written = v.written;
    const capacity = this.capacity;
    for (let c = 0; c < columns.length; c++) {
      const to = (columns[c] as ApplyColumn).array;
      const from = v.columns[c] as typeof to;
      const field = owner[c] as number;
      const count = v.counts[field] as number;
      const base = field * capacity;
      for (let i = 0; i < count; i++) to[written[base + i] as number] = from[i] as number;
    }
  }

  /**
   * The prefixes `[0, n)` of every component column (`colIn`) and of its copy in wasm memory
   * (`colOut`), re-cut only when `n` or the memory's views change: cutting them per call (or a
   * WeakMap lookup per column, PrefixViews) cost more than the copies of 100 entities.
   */
  private prefixes(v: ApplyViews, n: number): void {
    if (n === this.colLength && v.generation === this.colGeneration) return;
    const columns = this.columns;
    for (let c = 0; c < columns.length; c++) {
      this.colIn[c] = (columns[c] as ApplyColumn).array.subarray(0, n);
      this.colOut[c] = (v.columns[c] as ApplyArray).subarray(0, n);
    }
    this.colLength = n;
    this.colGeneration = v.generation;
  }
}
