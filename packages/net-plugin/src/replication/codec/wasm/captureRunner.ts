/**
 * Where the wasm capture kernel (wasmCapture.ts) runs: a Runner is one instance of the kernel on
 * one memory with its scratch (capturePlan.ts), gather tables (captureTables.ts) and views.
 *
 * - In a memory of its own (`ownRunner`, per state capacity): one state block after the scratch;
 *   the state's rows are copied into it and back per call; the tables follow the block.
 * - In place (`poolRunner`): on the memory of the pool a pool-backed state lives in (statePool.ts),
 *   the kernel reads and writes the state's rows at its block address (no row copies). The scratch
 *   and the tables take runs of consecutive pool blocks (the pool hands out blocks, not bytes; a
 *   fresh pool or a grown one gives consecutive ones), the module is compiled for that address
 *   (compileCached: once per distinct address). No run to be had → no in-place runner.
 */
import type { ReplicationRegistry } from "../../registry";
import { captureModule } from "./captureEmit";
import { capturePlan, type CapturePlan } from "./capturePlan";
import { CaptureTables, growingPlace } from "./captureTables";
import { CodecMemoryPool, stateLayout, type StateLayout } from "./codecMemory";
import type { Prefixable } from "./prefixViews";
import { compileCached } from "./wasmCompile";

/** The kernel's `capture` (captureEmit.ts). */
export type CaptureFn = (
  values: number,
  present: number,
  mask: number,
  version: number,
  n: number,
  remove: number,
  /** 1 when every entry is known lined (captureReuse.ts): callers from JS pass 0. */
  lined: number,
) => void;

/** The kernel's `runBound` and `runBoundFast` (captureEmit.ts emitRun): the gather's result, or BOUND_EXCEEDED. */
export type RunBound = (
  values: number,
  present: number,
  mask: number,
  version: number,
  n: number,
  remove: number,
  bound: number,
) => number;

/** SlotPrefixes.atLeast's rounding, in elements. */
const PREFIX_STEP = 256;

/** Listed entities per kernel call in place: a smaller scratch (fewer pool blocks) than CAPTURE_BATCH. */
const POOL_BATCH = 512;
/** Pool blocks tried for a run of consecutive ones before giving up. */
const RUN_TRIES = 256;

/** One kernel instance on one memory (see the file comment). */
export interface Runner {
  readonly plan: CapturePlan;
  /** Index of the header's first word in `i32`. */
  readonly h: number;
  readonly pool: CodecMemoryPool;
  /** In a memory of its own: the state layout and block the rows are copied through; in place: -1. */
  readonly layout: StateLayout;
  readonly block: number;
  readonly fn: CaptureFn;
  /** The wasm gather's functions (undefined when the plan has none). */
  readonly prepare: ((n: number) => number) | undefined;
  readonly scan: ((n: number) => number) | undefined;
  readonly gather: ((start: number, n: number) => number) | undefined;
  /** `gather(0, n)` then `capture` in one call (captureEmit.ts emitRun); the fast forms (captureGatherEmit.ts). */
  readonly run: ((...args: number[]) => number) | undefined;
  readonly gatherFast: ((start: number, n: number) => number) | undefined;
  readonly runFast: ((...args: number[]) => number) | undefined;
  /** `prepare`, a bound check, then `run`'s work, in one call (captureEmit.ts emitRunBound); fast form. */
  readonly runBound: RunBound | undefined;
  readonly runBoundFast: RunBound | undefined;
  readonly tables: CaptureTables;
  /** The seen stamp of the last wasm gather. */
  stamp: number;
  /**
   * True when the last call on this runner was a `runBoundFast` that gathered or reused (its copies
   * of the list and membership words are current: captureReuse.ts), with these membership table and flags.
   */
  gathered: boolean;
  gatherMasks: readonly number[] | undefined;
  readonly gatherFlags: number[];
  generation: number;
  /** The whole memory as i32 (re-made after growth). */
  i32: Int32Array;
  /** Views of the column copies (`length + 1` elements each; of the columns themselves when in place). */
  columns: (Float32Array | Float64Array)[];
  /** Indexes (in the plan's column order) of the columns copied per call (not in place). */
  readonly copied: readonly number[];
}

function instantiate(
  plan: CapturePlan,
  module: WebAssembly.Module,
  pool: CodecMemoryPool,
  layout: StateLayout,
  block: number,
  place: (bytes: number) => number,
): Runner {
  const exports = new WebAssembly.Instance(module, { env: { memory: pool.memory } }).exports;
  return {
    plan,
    h: plan.header >> 2,
    pool,
    layout,
    block,
    fn: exports["capture"] as CaptureFn,
    prepare: exports["prepare"] as ((n: number) => number) | undefined,
    scan: exports["scan"] as ((n: number) => number) | undefined,
    gather: exports["gather"] as ((start: number, n: number) => number) | undefined,
    run: exports["run"] as ((...args: number[]) => number) | undefined,
    gatherFast: exports["gatherFast"] as ((start: number, n: number) => number) | undefined,
    runFast: exports["runFast"] as ((...args: number[]) => number) | undefined,
    runBound: exports["runBound"] as RunBound | undefined,
    runBoundFast: exports["runBoundFast"] as RunBound | undefined,
    tables: new CaptureTables(plan, pool, place, layout.capacity),
    stamp: 0,
    gathered: false,
    gatherMasks: undefined,
    gatherFlags: plan.fields.map(() => 0),
    generation: -1,
    i32: new Int32Array(0),
    columns: [],
    copied: plan.fields.flatMap((f) => f.columns).flatMap((c, i) => (c.inPlace ? [] : [i])),
  };
}

/** A runner with a memory of its own for states of `capacity` ids (scratch at 0, then one block). */
export function ownRunner(plan: CapturePlan, module: WebAssembly.Module, capacity: number): Runner {
  const layout = stateLayout(capacity, plan.stride);
  const pool = new CodecMemoryPool(layout, {
    scratchBytes: plan.header + plan.scratchBytes,
    initialBlocks: 1,
  });
  const block = pool.alloc();
  return instantiate(
    plan,
    module,
    pool,
    layout,
    block,
    growingPlace(pool.memory, pool.address(block) + layout.blockBytes),
  );
}

/**
 * Takes a run of consecutive blocks of `pool` holding `bytes` (the others taken on the way given
 * back): its first block, or -1.
 */
function allocRun(pool: CodecMemoryPool, bytes: number): number {
  const count = Math.max(1, Math.ceil(bytes / pool.layout.blockBytes));
  const taken: number[] = [];
  let first = -1;
  for (let tries = 0; tries < RUN_TRIES + count && first < 0; tries++) {
    const b = pool.tryAlloc();
    if (b < 0) break;
    taken.push(b);
    const n = taken.length;
    if (n >= count && taken[n - count] === b - count + 1) {
      let run = true;
      for (let k = 1; k < count && run; k++) run = taken[n - count + k] === (taken[n - count] as number) + k;
      if (run) first = taken[n - count] as number;
    }
  }
  for (const b of taken) if (first < 0 || b < first || b >= first + count) pool.release(b);
  return first;
}

/** Gives back the run at `first` holding `bytes`. */
function releaseRun(pool: CodecMemoryPool, first: number, bytes: number): void {
  const count = Math.max(1, Math.ceil(bytes / pool.layout.blockBytes));
  for (let b = first; b < first + count; b++) pool.release(b);
}

/**
 * A runner on `pool` (pool-backed states of `registry` live there): the kernel addresses their
 * rows in place. Undefined when no run of blocks can be had or the module is refused.
 */
export function poolRunner(
  registry: ReplicationRegistry,
  pool: CodecMemoryPool,
  simd: boolean,
  /** Listed entities per kernel call (capped at POOL_BATCH). */
  batch: number,
): Runner | undefined {
  batch = Math.min(batch, POOL_BATCH);
  // Columns in the pool's memory (componentMemory.ts) are read in place: no copy in the scratch.
  const size = capturePlan(registry, batch, 0, pool.memory)?.scratchBytes;
  if (size === undefined) return undefined;
  const first = allocRun(pool, size);
  if (first < 0) return undefined;
  const plan = capturePlan(registry, batch, pool.address(first), pool.memory) as CapturePlan;
  const module = compileCached(captureModule(plan, simd));
  if (module === null) {
    releaseRun(pool, first, size);
    return undefined;
  }
  let tables = -1;
  let tablesBytes = 0;
  const place = (bytes: number): number => {
    if (tables >= 0) releaseRun(pool, tables, tablesBytes);
    tables = allocRun(pool, bytes);
    tablesBytes = bytes;
    return tables < 0 ? -1 : pool.address(tables);
  };
  return instantiate(plan, module, pool, pool.layout, -1, place);
}

/**
 * Brings `r`'s views up to date with its memory (after growth). No closure here: one capturing a
 * local would make V8 allocate this function's context on every call, early return included.
 */
export function refreshViews(r: Runner): Runner {
  // Growth detaches every view of the old buffer (length 0): while `i32` is not detached and was
  // made at the pool's generation, the memory has not grown since — no `memory.buffer` read (~30 ns).
  if (r.i32.length !== 0 && r.generation === r.pool.generation) return r;
  r.pool.refresh();
  if (r.generation !== r.pool.generation) remakeViews(r);
  return r;
}

function remakeViews(r: Runner): void {
  const buffer = r.pool.memory.buffer;
  r.generation = r.pool.generation;
  r.i32 = new Int32Array(buffer);
  r.columns = r.plan.fields
    .flatMap((f) => f.columns)
    .map((c) => {
      const view = c.f64
        ? new Float64Array(buffer, c.address, c.length + 1)
        : new Float32Array(buffer, c.address, c.length + 1);
      view[c.length] = c.past;
      return view;
    });
}

/**
 * Cached `array.subarray(0, n)` per copy site (slot): copies are one `set` without a view per call
 * or a WeakMap lookup (PrefixViews), re-made when the array (a state's, after its pool grew) or
 * `n` changes.
 */
export class SlotPrefixes {
  private readonly arrays: (Prefixable | undefined)[] = [];
  private readonly views: (Prefixable | undefined)[] = [];

  of<T extends Prefixable>(slot: number, array: T, n: number): T {
    const hit = this.views[slot];
    if (this.arrays[slot] === array && hit?.length === n) return hit as T;
    const view = array.subarray(0, n) as T;
    this.arrays[slot] = array;
    this.views[slot] = view;
    return view;
  }

  /**
   * A prefix of at least `n` elements (for copies where more is harmless): the cached view while it
   * holds `n` and is not more than twice as long, else a new one of `n` rounded up to
   * PREFIX_STEP elements (capped at the array's length) — a length that changes from call to call
   * (captureEntities' largest listed entity) makes no view per call.
   */
  atLeast<T extends Prefixable>(slot: number, array: T, n: number): T {
    const hit = this.views[slot];
    if (
      this.arrays[slot] === array &&
      hit !== undefined &&
      hit.length >= n &&
      hit.length <= 2 * n + PREFIX_STEP
    ) {
      return hit as T;
    }
    return this.of(slot, array, Math.min(array.length, Math.ceil(n / PREFIX_STEP) * PREFIX_STEP));
  }
}
