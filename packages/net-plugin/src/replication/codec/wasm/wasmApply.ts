/**
 * The client `apply` loop (worldKernels.ts ApplyKernel) as a WebAssembly kernel generated per
 * registry: for ids present in both states with the same fields and a mapped entity, every field
 * whose slots changed is dequantized — expression for expression as the JS kernel, in f64, so the
 * floats are bit-identical — into copies of the component columns in wasm memory; every other id
 * is collected and handed to `other` afterwards, in ascending order, as the JS kernel does inline —
 * and so is an id whose "generic" field changed (one the kernel does not dequantize, applyPlan.ts),
 * unwritten: the per-entity path then writes all of its changed fields (same world, same count).
 *
 * Data movement: pool-backed states (snapshotState.ts) in this kernel's pool are read at their
 * block addresses; plain states are copied per call into two blocks of the pool (the fallback).
 * Component columns are copied per call (applyCopies.ts): their prefix up to the map's entity high
 * water in and back out; skipped when nothing is updated (a first pass stops at the first write;
 * not run while the last call wrote), and after a call that updated few entities applyCompact
 * packs the written values for JS to scatter. The entity id per
 * network id stays in wasm memory between calls (applyEntities.ts). Ids whose entity lies beyond
 * a column's length go to `other` (the JS kernel writes past the typed array, a no-op). Columns
 * allocated in this memory (componentMemory.ts, `inPlace`) are written where they are, with no
 * copy either way; with every column in place a call is one kernel call, and applyCompact (which
 * packs values over the copies) is never used while any column is in place.
 */
import type { EntityMap } from "../../entityMap";
import type { ReplicationRegistry } from "../../registry";
import type { ApplyKernel } from "../kernels/worldKernels";
import type { SnapshotState } from "../snapshotState";
import { applyModule } from "./applyEmit";
import { ApplyEntityTable } from "./applyEntities";
import { ApplyCopies, applyViews, type ApplyViews } from "./applyCopies";
import { applyPlan, type ApplyPlan } from "./applyPlan";
import { ApplyRanges } from "./applyRanges";
import { CodecMemoryPool, stateLayout, type StateLayout } from "./codecMemory";
import { PrefixViews } from "./prefixViews";
import { compileCached } from "./wasmCompile";

type ApplyFn = (next: number, prev: number, hasPrev: number, hw: number, ready: number) => number;
type CompactFn = (next: number, prev: number, hasPrev: number, hw: number) => number;

/**
 * When the next call uses applyCompact: this one updated some entities but at most
 * COMPACT_BASE + prefix / COMPACT_PER. Measured (Float32 columns, min of 40 rounds): the scatter
 * costs ~2.7 ns per written entity and column, the two prefix copies ~2 × (20 ns + 0.08 ns × prefix)
 * per column, so packing wins below ~15 + prefix / 16 written entities (100 entities, a tenth
 * moving: 1.44 → 1.20 µs; 1000, a tenth moving: packing 0.5 µs slower). Nothing updated: the
 * probe pass (no copies, no scatter) is cheaper still.
 */
const COMPACT_BASE = 15;
const COMPACT_PER = 16;

/** A registry's generated wasm apply kernel with its memory (see the file comment). */
export class WasmApplyKernel {
  /** The memory pool: scratch (eids, others, columns), pool-backed states, and two blocks for copied ones. */
  readonly pool: CodecMemoryPool;
  private readonly fn: ApplyFn;
  private readonly layout: StateLayout;
  private readonly columns: ApplyPlan["fields"][number]["columns"][number][];
  /** Blocks plain states are copied into (allocated on first use), or -1. */
  private nextCopy = -1;
  private prevCopy = -1;
  private views: ApplyViews | undefined;
  private readonly prefix = new PrefixViews();
  /** Ids the last `run` left for the per-entity path (`dispatch` hands them on). */
  others = 0;
  /** Ids for `other` per re-entry depth, and the current depth. */
  private readonly pending: Int32Array[] = [];
  private depth = 0;
  private readonly compactFn: CompactFn;
  /** Per column (as in `columns`), the index of its field in the plan. */
  private readonly columnField: number[];
  /** True when the last call wrote some entity: the next one skips the probe pass. */
  private wrote = false;
  /** True when the next call runs applyCompact (see COMPACT_BASE). */
  private compact = false;
  /** True when the last call's writes were whole ranges: the next skips the copy-in (applyRanges.ts). */
  private ranged = false;
  private readonly ranges: ApplyRanges;
  /** The entity table in wasm memory, kept between calls (applyEntities.ts). */
  private readonly entities: ApplyEntityTable;
  /** Calls of `apply` so far (stats; tests check which kernel ran). */
  calls = 0;
  /** The column copies in and out (applyCopies.ts). */
  private readonly copies: ApplyCopies;
  /** True when every column is in place: no copies, no probe pass, no applyCompact. */
  readonly allInPlace: boolean;
  /** True when some column is in place (no applyCompact). */
  private readonly anyInPlace: boolean;

  /** Use wasmApplyKernel(); `module` is the compiled applyModule(plan, layout, stride, simd). */
  constructor(
    readonly capacity: number,
    private readonly plan: ApplyPlan,
    layout: StateLayout,
    module: WebAssembly.Module,
    /** True for the SIMD module (four ids a step, rotations four an f32x4 operation). */
    readonly simd: boolean,
    pool?: CodecMemoryPool,
  ) {
    this.layout = layout;
    if (pool !== undefined && (pool.base < plan.scratchBytes || !sameLayout(pool.layout, layout))) {
      throw new RangeError(
        `WasmApplyKernel: the pool (scratch ${pool.base} B, ${pool.layout.capacity} ids × ${pool.layout.stride}) does not fit the kernel (scratch ${plan.scratchBytes} B, ${layout.capacity} ids × ${layout.stride}); make it with statePoolOf.`,
      );
    }
    this.pool = pool ?? new CodecMemoryPool(layout, { scratchBytes: plan.scratchBytes, initialBlocks: 2 });
    this.columns = plan.fields.flatMap((field) => field.columns);
    const instance = new WebAssembly.Instance(module, { env: { memory: this.pool.memory } });
    this.fn = instance.exports["apply"] as ApplyFn;
    this.compactFn = instance.exports["applyCompact"] as CompactFn;
    this.columnField = plan.fields.flatMap((field, fi) => field.columns.map(() => fi));
    this.ranges = new ApplyRanges(plan, this.columnField);
    this.entities = new ApplyEntityTable(capacity, plan.columnLength);
    this.copies = new ApplyCopies(this.columns, this.columnField, capacity);
    this.allInPlace = this.copies.allInPlace;
    this.anyInPlace = this.copies.anyInPlace;
  }

  /** Same contract as the JS ApplyKernel (worldKernels.ts); `other` runs after the kernel, in id order. */
  readonly apply: ApplyKernel = (prev, next, map, hw, other) => {
    const updated = this.run(prev, next, map, hw);
    if (this.others > 0) this.dispatch(other);
    return updated;
  };

  /**
   * The kernel's part of `apply`: the world's columns written, the updated count returned; the ids
   * for the per-entity path (`others` of them) wait in wasm memory for `dispatch`, which must run
   * before any other call of this kernel.
   */
  run(prev: SnapshotState | undefined, next: SnapshotState, map: EntityMap, hw: number): number {
    if (!(hw >= 0 && hw <= this.capacity)) {
      throw new RangeError(`WasmApplyKernel: high water ${hw} is outside 0..capacity (${this.capacity}).`);
    }
    this.calls++;
    const pool = this.pool;
    // Resolve both addresses first: allocating the copy blocks may grow the memory.
    const nextAddress = next.pool === pool ? next.address : this.copyBlock(true);
    const prevAddress =
      prev === undefined ? nextAddress : prev.pool === pool ? prev.address : this.copyBlock(false);
    const v = this.currentViews();
    if (next.pool !== pool) this.copyState(v, next, nextAddress, hw);
    if (prev !== undefined && prev.pool !== pool) this.copyState(v, prev, prevAddress, hw);
    const maxEid = this.entities.update(v.eids, map, hw);
    const hasPrev = prev === undefined ? 0 : 1;
    let updated: number;
    // Whether this call ran `apply` to the end (its counts and range are in memory).
    let whole = false;
    if (this.allInPlace) {
      // Every column in place: the kernel writes the result where the game reads it.
      updated = this.fn(nextAddress, prevAddress, hasPrev, hw, 1);
    } else if (this.compact) {
      // Few updates last time: each field's written entities are packed; scatter them back.
      updated = this.compactFn(nextAddress, prevAddress, hasPrev, hw);
      this.copies.scatter(v);
    } else if (this.ranged) {
      // The last call's writes were whole ranges: no copy-in; when this one's are too, their range
      // is the result, else the copies are filled and the kernel runs again (the same writes).
      updated = this.fn(nextAddress, prevAddress, hasPrev, hw, 1);
      whole = this.ranges.whole(v.i32);
      if (whole) this.ranges.copyOut(v.i32, v.columns);
      else {
        updated = this.copiedRun(v, maxEid, nextAddress, prevAddress, hasPrev, hw);
        whole = this.ranges.whole(v.i32);
      }
    } else {
      // A first pass without the column copies stops (-1) at the first field it would write;
      // skipped while the last call wrote (a moving world: it would stop at once).
      updated = this.wrote ? -1 : this.fn(nextAddress, prevAddress, hasPrev, hw, 0);
      if (updated < 0) updated = this.copiedRun(v, maxEid, nextAddress, prevAddress, hasPrev, hw);
      whole = this.ranges.whole(v.i32);
    }
    this.wrote = updated > 0;
    this.ranged = whole && updated > 0;
    // Worlds change slowly: the next call packs when this one updated few of the entities.
    // (Never with a column in place: applyCompact packs values over the column copies.)
    // (Integers: `updated <= COMPACT_BASE + (maxEid + 1) / COMPACT_PER` makes heap numbers while unoptimized.)
    this.compact =
      updated > 0 && updated * COMPACT_PER <= COMPACT_BASE * COMPACT_PER + maxEid + 1 && !this.anyInPlace;
    this.others = v.i32[0] as number;
    return updated;
  }

  /** Hands the last `run`'s ids to `other`, in id order (see `run`). */
  dispatch(other: (id: number) => void): void {
    // `other` may re-enter apply (applySnapshot hooks may), which rewrites the memory: the ids
    // are first copied out to a list of this call's depth.
    const count = this.others;
    this.others = 0;
    const i32 = this.currentViews().i32;
    const depth = this.depth++;
    let ids = this.pending[depth];
    if (ids === undefined) {
      ids = new Int32Array(this.capacity);
      this.pending[depth] = ids;
    }
    const base = this.plan.others >> 2;
    for (let i = 0; i < count; i++) ids[i] = i32[base + i] as number;
    try {
      for (let i = 0; i < count; i++) other(ids[i] as number);
    } finally {
      this.depth--;
    }
  }

  /** Fills the column copies (prefixes up to `maxEid`), runs the kernel, copies the prefixes out. */
  private copiedRun(
    v: ApplyViews,
    maxEid: number,
    nextAddress: number,
    prevAddress: number,
    hasPrev: number,
    hw: number,
  ): number {
    this.copies.copyIn(v, maxEid + 1);
    const updated = this.fn(nextAddress, prevAddress, hasPrev, hw, 1);
    this.copies.copyOut();
    return updated;
  }

  /** Address of the block plain `next` (or `prev`) states are copied into, allocated on first use. */
  private copyBlock(next: boolean): number {
    let block = next ? this.nextCopy : this.prevCopy;
    if (block < 0) {
      block = this.pool.alloc();
      if (next) this.nextCopy = block;
      else this.prevCopy = block;
    }
    return this.pool.address(block);
  }

  /** Copies the first `hw` rows of `s` into the block at `address` (the kernel reads no others). */
  private copyState(v: ApplyViews, s: SnapshotState, address: number, hw: number): void {
    const prefix = this.prefix;
    v.u8.set(prefix.of(s.present, hw), address + this.layout.presentOffset);
    v.u32.set(prefix.of(s.mask, hw), (address + this.layout.maskOffset) >> 2);
    v.i32.set(prefix.of(s.values, hw * s.stride), (address + this.layout.valuesOffset) >> 2);
  }

  private currentViews(): ApplyViews {
    const v = this.views;
    // Growth detaches every view of the old buffer (length 0): while `u8` is not detached and was
    // made at the pool's generation, the memory has not grown (no `memory.buffer` read, ~30 ns).
    if (v !== undefined && v.u8.length !== 0 && v.generation === this.pool.generation) return v;
    this.pool.refresh();
    if (v !== undefined && v.generation === this.pool.generation) return v;
    return (this.views = applyViews(this.pool, this.plan, this.capacity, this.columns));
  }
}

function sameLayout(a: StateLayout, b: StateLayout): boolean {
  return a.capacity === b.capacity && a.stride === b.stride && a.blockBytes === b.blockBytes;
}

/**
 * The wasm apply kernel of `registry` for states of `capacity` ids, or undefined when a field is
 * not supported (applyPlan.ts) or WebAssembly is unavailable or refuses to compile here (a CSP
 * without 'wasm-unsafe-eval', a main-thread size limit on synchronous compiles): the JS kernel
 * then stays in use.
 */
export function wasmApplyKernel(
  registry: ReplicationRegistry,
  capacity: number,
  options: { simd?: boolean; pool?: CodecMemoryPool } = {},
): WasmApplyKernel | undefined {
  if (typeof WebAssembly === "undefined") return undefined;
  // Columns in the pool's memory (componentMemory.ts) are written in place.
  const plan = applyPlan(registry, capacity, options.pool?.memory);
  if (plan === undefined) return undefined;
  const layout = stateLayout(capacity, registry.stride);
  // SIMD (four ids a step, f32x4 rotations) unless told otherwise or the engine lacks it; then the scalar kernel.
  for (const simd of options.simd === false ? [false] : [true, false]) {
    // Compiled once per process for equal bytes (registries of the same shape and columns).
    const module = compileCached(applyModule(plan, layout, registry.stride, simd));
    if (module === null) continue; // refused (no SIMD, a CSP without 'wasm-unsafe-eval', a size limit)
    return new WasmApplyKernel(capacity, plan, layout, module, simd, options.pool);
  }
  return undefined;
}

/** Kernels per state pool (null: none for that registry here), compiled once. */
const pooled = new WeakMap<CodecMemoryPool, WasmApplyKernel | null>();

/** The kernel `wasmApplyFor` made for `pool`, if any (no compile; for stats). */
export function wasmApplyOf(pool: CodecMemoryPool): WasmApplyKernel | undefined {
  return pooled.get(pool) ?? undefined;
}

/**
 * The apply kernel that reads `registry`'s pool-backed states of `pool` (statePool.ts) in place,
 * or undefined when the registry has none (then the JS kernel applies). Compiled once per pool.
 */
export function wasmApplyFor(
  registry: ReplicationRegistry,
  pool: CodecMemoryPool,
): WasmApplyKernel | undefined {
  let kernel = pooled.get(pool);
  if (kernel === undefined) {
    try {
      kernel = wasmApplyKernel(registry, pool.layout.capacity, { pool }) ?? null;
    } catch (e) {
      // The pool's scratch was sized while the plan was unavailable (codecKernels off then).
      if (!(e instanceof RangeError)) throw e;
      kernel = null;
    }
    pooled.set(pool, kernel);
  }
  return kernel ?? undefined;
}
