/**
 * The server capture loop (worldKernels.ts CaptureKernel) as a WebAssembly kernel generated per
 * registry. Two entries:
 *
 * - `captureWorld` (captureWorld's whole call, when the registry's generic fields are all ints on
 *   one array): the list is copied into the kernel's memory, `prepare`
 *   finds its largest entity id, the tables the gather reads are copied that far
 *   (captureTables.ts: entity → network id, bitECS membership words, int fields), `gather` fills
 *   the batch (network ids, seen stamps, masks, ints; a missing or too large network id refuses
 *   the batch and throws here as the JS kernel does), the state's rows (up to the larger of the
 *   largest listed id and the high water) and the component columns' prefixes are copied in, and
 *   `capture` quantizes, writes the rows and removes the present rows not listed; the rows are
 *   copied back when any was written or removed. No per-entity JS.
 * - `capture` (the CaptureKernel contract, for captureEntities and every other registry): the JS
 *   gather (captureGather.ts) fills the batch, then the same `capture` without the removal.
 *
 * Either way the states are bit-identical to the JS kernel's: the same integers, present, masks,
 * versions (the same version numbers) and high water. Differences, on misuse only: nothing of a
 * batch is written when an entity has no network id or a binding throws (the JS kernel had
 * written the entities before it), and a network id beyond the state's capacity throws (the JS
 * kernel's typed-array writes there were no-ops). The kernel keeps no raw-value cache: it
 * quantizes every listed entity (the `shadow` argument is not used).
 */
import type { EntityMap } from "../../entityMap";
import type { ReplicationRegistry } from "../../registry";
import type { CaptureKernel } from "../kernels/worldKernels";
import type { SnapshotState } from "../snapshotState";
import { captureModule } from "./captureEmit";
import { captureGather, outside, type Gather } from "./captureGather";
import { capturePlan, HEADER, type CaptureColumn, type CapturePlan } from "./capturePlan";
import { CaptureTables } from "./captureTables";
import { CodecMemoryPool, stateLayout, type StateLayout, type StateViews } from "./codecMemory";
import type { Prefixable } from "./prefixViews";
import { compileCached } from "./wasmCompile";

type CaptureFn = (
  values: number,
  present: number,
  mask: number,
  version: number,
  n: number,
  remove: number,
) => void;

/** One memory with one state block, for states of one capacity. */
interface Runner {
  readonly pool: CodecMemoryPool;
  readonly layout: StateLayout;
  readonly block: number;
  readonly fn: CaptureFn;
  /** The wasm gather's functions (undefined when the plan has none). */
  readonly prepare: ((n: number) => number) | undefined;
  readonly scan: ((n: number) => number) | undefined;
  readonly gather: ((start: number, n: number) => number) | undefined;
  readonly tables: CaptureTables;
  /** The seen stamp of the last wasm gather. */
  stamp: number;
  generation: number;
  i32: Int32Array;
  /** Views of the column copies (`length + 1` elements each). */
  columns: (Float32Array | Float64Array)[];
}

/** A registry's generated wasm capture kernel (see the file comment). */
export class WasmCaptureKernel {
  private readonly runners = new Map<number, Runner>();
  private readonly prefix = new SlotPrefixes();
  private readonly columns: CaptureColumn[];
  /** SlotPrefixes slot base of the whole-state copy-in (after the prefix copy-in's). */
  private readonly full: number;

  /** Use wasmCaptureKernel(); `module` is the compiled captureModule(plan, simd). */
  constructor(
    private readonly plan: CapturePlan,
    private readonly module: WebAssembly.Module,
    private readonly jsGather: Gather,
    /** True when the quantization runs in f64x2 lanes. */
    readonly simd: boolean,
  ) {
    this.columns = plan.fields.flatMap((f) => f.columns);
    this.full = PREFIX + 4 + this.columns.length;
  }

  /**
   * captureWorld's whole call in wasm (see the file comment): makes `out` hold exactly `entities`.
   * False when this path does not apply (a generic field that is not an int on one array): the
   * caller then runs `capture` and removes unlisted rows itself.
   */
  captureWorld(
    entities: ArrayLike<number>,
    map: EntityMap,
    out: SnapshotState,
    hasMasks: readonly (readonly number[])[],
    hasFlags: readonly number[],
    missing: (eid: number) => void,
  ): boolean {
    if (!this.plan.wasmGather) return false;
    const n = entities.length;
    const capacity = out.capacity;
    let r = this.runner(capacity);
    if (r.tables.copyList(r.i32, entities)) r = this.runner(capacity);
    const maxEid = (r.prepare as (n: number) => number)(n);
    if (r.tables.reserve(map, hasMasks, maxEid)) r = this.runner(capacity);
    const i32 = r.i32;
    r.tables.fill(i32, map, hasMasks, hasFlags, maxEid);
    r.stamp = (r.stamp + 1) >>> 0;
    if (r.stamp === 0) {
      r.stamp = 1;
      new Uint32Array(r.pool.memory.buffer, i32[HEADER.seen], capacity).fill(0);
    }
    i32[HEADER.stamp] = r.stamp;
    const gather = r.gather as (start: number, n: number) => number;
    const batch = this.plan.batch;
    // One batch: its gather gives the rows to copy in. Several: a scan first (gathers reuse the batch).
    const top = n <= batch ? gather(0, n) : (r.scan as (n: number) => number)(n);
    if (top < -1) {
      const eid = entities[-2 - top] as number;
      outside(eid, map.netIdOf(eid), capacity, missing);
    }
    const rows = Math.max(top + 1, out.highWater);
    const b = r.pool.views(r.block);
    this.copyIn(b, out, rows, PREFIX);
    this.copyColumns(r, maxEid + 1, PREFIX);
    i32[HEADER.versionCounter] = out.versionCounter;
    i32[HEADER.highWater] = out.highWater;
    i32[HEADER.rows] = 0;
    i32[HEADER.removed] = 0;
    const address = r.pool.address(r.block);
    const layout = r.layout;
    for (let start = 0; start < n || start === 0; start += batch) {
      const count = Math.min(batch, n - start);
      if (n > batch) gather(start, count);
      r.fn(
        address + layout.valuesOffset,
        address + layout.presentOffset,
        address + layout.maskOffset,
        address + layout.versionOffset,
        count,
        start + count >= n ? 1 : 0,
      );
    }
    if (rows > 0 && (i32[HEADER.rows] !== 0 || i32[HEADER.removed] !== 0)) this.copyOut(b, out, rows);
    out.versionCounter = (i32[HEADER.versionCounter] as number) >>> 0;
    out.highWater = i32[HEADER.highWater] as number;
    return true;
  }

  /** Same contract as the JS CaptureKernel (worldKernels.ts); `shadow` is not used. */
  readonly capture: CaptureKernel = (
    _world,
    entities,
    map,
    out,
    seen,
    stamp,
    hasMasks,
    hasFlags,
    _shadow,
    missing,
  ) => {
    const r = this.runner(out.capacity);
    const n = entities.length;
    const batch = this.plan.batch;
    const { pool, layout } = r;
    const address = pool.address(r.block);
    r.i32[HEADER.versionCounter] = out.versionCounter;
    r.i32[HEADER.highWater] = out.highWater;
    r.i32[HEADER.rows] = 0;
    // One batch (the common case): the rows and column elements up to the largest listed ids.
    // Several: everything, once (so nothing is copied per batch, and nothing allocated).
    const single = n <= batch;
    const b = pool.views(r.block);
    if (!single) {
      this.copyIn(b, out, out.capacity, this.full);
      this.copyColumns(r, Infinity, this.full);
    }
    let rows = 0;
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      const top = this.jsGather(
        entities,
        start,
        end,
        map,
        seen,
        stamp,
        hasMasks,
        hasFlags,
        missing,
        r.i32,
        out.capacity,
      );
      if (single) {
        rows = top + 1;
        this.copyIn(b, out, rows, PREFIX);
        this.copyColumns(r, (r.i32[HEADER.maxEid] as number) + 1, PREFIX);
      }
      r.fn(
        address + layout.valuesOffset,
        address + layout.presentOffset,
        address + layout.maskOffset,
        address + layout.versionOffset,
        end - start,
        0,
      );
    }
    // Rows the kernel wrote are below the new high water.
    if (!single) rows = r.i32[HEADER.highWater] as number;
    // Nothing written (a resting world): the state is already right.
    if (rows > 0 && r.i32[HEADER.rows] !== 0) this.copyOut(b, out, rows);
    out.versionCounter = (r.i32[HEADER.versionCounter] as number) >>> 0;
    out.highWater = r.i32[HEADER.highWater] as number;
  };

  /** Copies the first `rows` rows of `s` into the block (views cached at `slots`). */
  private copyIn(b: StateViews, s: SnapshotState, rows: number, slots: number): void {
    const p = this.prefix;
    b.present.set(p.of(slots, s.present, rows));
    b.mask.set(p.of(slots + 1, s.mask, rows));
    b.version.set(p.of(slots + 2, s.version, rows));
    b.values.set(p.of(slots + 3, s.values, rows * this.plan.stride));
  }

  /** Copies the first `to` elements of every column (as far as it reaches) into its copy. */
  private copyColumns(r: Runner, to: number, slots: number): void {
    const columns = this.columns;
    for (let c = 0; c < columns.length; c++) {
      const { array, length } = columns[c] as CaptureColumn;
      const copy = r.columns[c] as typeof array;
      copy.set(this.prefix.of(slots + 4 + c, array, Math.min(to, length)));
    }
  }

  /** Copies the block's first `rows` rows back into `s`. */
  private copyOut(b: StateViews, s: SnapshotState, rows: number): void {
    const p = this.prefix;
    s.present.set(p.of(OUT, b.present, rows));
    s.mask.set(p.of(OUT + 1, b.mask, rows));
    s.version.set(p.of(OUT + 2, b.version, rows));
    s.values.set(p.of(OUT + 3, b.values, rows * this.plan.stride));
  }

  /** The memory and instance for states of `capacity` ids (made on first use), views current. */
  private runner(capacity: number): Runner {
    let r = this.runners.get(capacity);
    if (r === undefined) {
      const layout = stateLayout(capacity, this.plan.stride);
      const pool = new CodecMemoryPool(layout, { scratchBytes: this.plan.scratchBytes, initialBlocks: 1 });
      const instance = new WebAssembly.Instance(this.module, { env: { memory: pool.memory } });
      const block = pool.alloc();
      const exports = instance.exports;
      r = {
        pool,
        layout,
        block,
        fn: exports["capture"] as CaptureFn,
        prepare: exports["prepare"] as ((n: number) => number) | undefined,
        scan: exports["scan"] as ((n: number) => number) | undefined,
        gather: exports["gather"] as ((start: number, n: number) => number) | undefined,
        tables: new CaptureTables(this.plan, pool, pool.address(block) + layout.blockBytes, capacity),
        stamp: 0,
        generation: -1,
        i32: new Int32Array(0),
        columns: [],
      };
      this.runners.set(capacity, r);
    }
    r.pool.refresh();
    if (r.generation !== r.pool.generation) {
      // First use, or the memory grew (the gather's tables, captureTables.ts).
      const buffer = r.pool.memory.buffer;
      r.generation = r.pool.generation;
      r.i32 = new Int32Array(buffer);
      r.columns = this.columns.map((c) => {
        const view = c.f64
          ? new Float64Array(buffer, c.address, c.length + 1)
          : new Float32Array(buffer, c.address, c.length + 1);
        view[c.length] = c.past;
        return view;
      });
    }
    return r;
  }
}

/** SlotPrefixes slot bases: copy-out (4), then per copy-in kind the 4 state arrays and the columns. */
const OUT = 0;
const PREFIX = 4;

/**
 * Cached `array.subarray(0, n)` per copy site (slot): copies are one `set` without a view per call
 * or a WeakMap lookup (PrefixViews), re-made when the array (a state's, after its pool grew) or
 * `n` changes.
 */
class SlotPrefixes {
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
}

/** Compiled kernel modules per registry (null: not supported or refused here). */
const compiled = new WeakMap<ReplicationRegistry, { module: WebAssembly.Module; simd: boolean } | null>();

/**
 * The wasm capture kernel of `registry`, or undefined when a field is not inlined by the JS
 * kernel (capturePlan.ts), or WebAssembly (or the JS gather's code generation) is unavailable or
 * refused here (a CSP without 'wasm-unsafe-eval'): the JS kernel then stays in use.
 */
export function wasmCaptureKernel(
  registry: ReplicationRegistry,
  options: { simd?: boolean; batch?: number } = {},
): WasmCaptureKernel | undefined {
  if (typeof WebAssembly === "undefined") return undefined;
  const plan = capturePlan(registry, options.batch);
  if (plan === undefined) return undefined;
  const gather = captureGather(registry, plan);
  if (gather === undefined) return undefined;
  const cached = options.simd === undefined && options.batch === undefined;
  let entry = cached ? compiled.get(registry) : undefined;
  if (entry === undefined) {
    entry = null;
    // f64x2 unless told otherwise or the engine lacks SIMD; then the scalar kernel.
    for (const simd of options.simd === false ? [false] : [true, false]) {
      // null: refused (no SIMD, a CSP without 'wasm-unsafe-eval', a size limit)
      const module = compileCached(captureModule(plan, simd));
      if (module === null) continue;
      entry = { module, simd };
      break;
    }
    if (cached) compiled.set(registry, entry);
  }
  return entry === null ? undefined : new WasmCaptureKernel(plan, entry.module, gather, entry.simd);
}
