/**
 * The server capture loop (worldKernels.ts CaptureKernel) as a WebAssembly kernel generated per
 * registry: a generated JS gather loop per batch of listed entities (captureGather.ts: network id
 * from the map — missing → the same throw —, the per-field membership bits as the JS kernel tests
 * them, the entity id, the fields without an inline form quantized through their binding), then
 * one wasm call that quantizes every inline field (straight-line, channel values read by entity
 * id, f64x2 where available: bit-identical to the JS kernel), compares each present field with the
 * state's row, writes changed rows and bumps present/mask/version/high water as the JS kernel does
 * (the same version numbers).
 *
 * Interim data movement: the component columns' prefix up to the largest listed entity is copied
 * into the scratch per call (components in wasm memory would remove it), and the kernel takes the
 * addresses of the state's four arrays while this wrapper copies the state's first rows (up to the
 * largest listed network id) into a block of its own memory before the call and back after it
 * (not when it wrote none). Pool-backed states (statePool.ts) would be addressed in place once
 * their pool's scratch also holds this kernel's (statePool.ts scratchBytesOf); the row copies
 * cost ~5 % of a capture (README.md).
 *
 * Unlike the JS kernel, nothing of a batch is written when an entity has no network id or a
 * binding throws (the gather runs before the batch's kernel call), and a network id beyond the
 * state's capacity throws (the JS kernel's typed-array writes there were no-ops). The JS kernel's
 * raw-value cache (`shadow`) is not used: the kernel keeps its own in its memory (the channel
 * values each row was last quantized from, per network id, for the last state captured and its
 * `revision`) and skips quantizing a field whose values equal it, as the JS kernel does.
 */
import type { ReplicationRegistry } from "../../registry";
import type { CaptureKernel } from "../kernels/worldKernels";
import type { SnapshotState } from "../snapshotState";
import { captureModule } from "./captureEmit";
import { captureGather, type Gather } from "./captureGather";
import { capturePlan, type CaptureColumn, type CapturePlan } from "./capturePlan";
import { CodecMemoryPool, stateLayout, type StateLayout, type StateViews } from "./codecMemory";
import type { Prefixable } from "./prefixViews";
import { compileCached } from "./wasmCompile";

type CaptureFn = (
  values: number,
  present: number,
  mask: number,
  version: number,
  shadow: number,
  n: number,
) => void;

/** One memory with one state block, for states of one capacity. */
interface Runner {
  readonly pool: CodecMemoryPool;
  readonly layout: StateLayout;
  readonly block: number;
  readonly fn: CaptureFn;
  generation: number;
  i32: Int32Array;
  /** Byte address of the raw-value cache (capacity × stride f64) and a view of it. */
  readonly shadowAddress: number;
  shadow: Float64Array;
  /** The state (and its revision) the cache holds the raw values of. */
  cachedState: WeakRef<SnapshotState> | undefined;
  cachedRevision: number;
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
    private readonly gather: Gather,
    /** True when the quantization runs in f64x2 lanes. */
    readonly simd: boolean,
  ) {
    this.columns = plan.fields.flatMap((f) => f.columns);
    this.full = PREFIX + 4 + this.columns.length;
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
    if (r.cachedState?.deref() !== out || r.cachedRevision !== out.revision) {
      // Another state, or this one's values were written another way: forget the raw values.
      r.shadow.fill(Number.NaN);
      r.cachedState = new WeakRef(out);
      r.cachedRevision = out.revision;
    }
    r.i32[0] = out.versionCounter;
    r.i32[1] = out.highWater;
    r.i32[3] = 0;
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
      const top = this.gather(
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
        this.copyColumns(r, (r.i32[2] as number) + 1, PREFIX);
      }
      r.fn(
        address + layout.valuesOffset,
        address + layout.presentOffset,
        address + layout.maskOffset,
        address + layout.versionOffset,
        r.shadowAddress,
        end - start,
      );
    }
    // Rows the kernel wrote are below the new high water.
    if (!single) rows = r.i32[1];
    // Nothing written (a resting world): the state is already right.
    if (rows > 0 && r.i32[3] !== 0) this.copyOut(b, out, rows);
    out.versionCounter = r.i32[0] >>> 0;
    out.highWater = r.i32[1];
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
      const shadowAddress = this.plan.scratchBytes;
      const pool = new CodecMemoryPool(layout, {
        scratchBytes: shadowAddress + capacity * this.plan.stride * 8,
        initialBlocks: 1,
      });
      const instance = new WebAssembly.Instance(this.module, { env: { memory: pool.memory } });
      r = {
        pool,
        layout,
        block: pool.alloc(),
        fn: instance.exports["capture"] as CaptureFn,
        generation: -1,
        i32: new Int32Array(0),
        shadowAddress,
        shadow: new Float64Array(0),
        cachedState: undefined,
        cachedRevision: 0,
        columns: [],
      };
      this.runners.set(capacity, r);
    }
    r.pool.refresh();
    if (r.generation !== r.pool.generation) {
      // First use, or the memory grew (it does not today: one block, allocated here).
      const buffer = r.pool.memory.buffer;
      r.generation = r.pool.generation;
      r.i32 = new Int32Array(buffer);
      r.shadow = new Float64Array(buffer, r.shadowAddress, capacity * this.plan.stride);
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
