/**
 * The encoder's `collect` (kernels/encodeKernel.ts CollectKernel) as a WebAssembly kernel generated
 * per registry (encodeEmit.ts), run by EncodePlan.collect when the switch was on at construction.
 *
 * Supported: registries whose fields are all inline (`slots` and smallest-three fields, with a fixed
 * spawn size) — the common game registry of positions, velocities, rotations, scalars, ints. Any
 * generic field (bools, enums, transforms, the ints of templates without a fixed size) keeps the JS
 * kernel for the whole registry (`wasmCollectFor` returns undefined). Per call, the kernel runs
 * only when `current`, `baseline` and (when prediction is used) `reference` are pool-backed states
 * of its pool (statePool.ts); otherwise `collect` returns false and the JS kernel runs. The budget
 * path, the writer (updates section) and the expected-state fill stay the JS kernels: they read
 * the plan's arrays, which this kernel fills.
 *
 * Data movement: the states are read in place at their block addresses; `relevant` and the
 * exclusion's `bySlot` (up to the high water) are copied into scratch. The outputs are written to
 * scratch segments in pool blocks this kernel owns (allocated on first use, freed when it is
 * garbage-collected) and copied into the plan's arrays after the call: the three id lists (their
 * counts), `selected`, `respawn` and `changedMask` (up to the high water), `pred` (with
 * prediction) and `zz` (with a rotation) up to the high water's rows, each field's used `colz`
 * range and the histograms; spawn costs per spawn. Removing these copies (the plan's arrays as
 * views on the pool) is the next step (README.md).
 */
import type { ReplicationRegistry } from "../../registry";
import type { EncodePlan } from "../encodePlan";
import type { SnapshotState } from "../snapshotState";
import { COLUMN_BUCKETS, columnLayout } from "../columns";
import { kernelFields, type KernelField } from "../kernels/compileKernel";
import type { BlockOwner, CodecMemoryPool, StateLayout } from "./codecMemory";
import { collectModule, HEADER_COUNTS, SEGMENTS, type Segment } from "./encodeEmit";
import { PrefixViews } from "./prefixViews";
import { statePoolOf } from "./statePool";
import { wasmKernels } from "./wasmKernels";

type CollectFn = (...args: number[]) => void;

/** Byte size of each scratch segment for `fields` at `layout`. */
function segmentBytes(fields: readonly KernelField[], layout: StateLayout, columns: number): number[] {
  const cap = layout.capacity;
  const rows = cap * layout.stride * 4;
  const sizes: Record<Segment, number> = {
    hdr: (HEADER_COUNTS + fields.length) * 4,
    hist: columns * COLUMN_BUCKETS * 4,
    rel: cap,
    sel: cap,
    resp: cap,
    exBy: cap * 4,
    spawn: cap * 4,
    update: cap * 4,
    despawn: cap * 4,
    changed: cap * 4,
    cost: cap * 4,
    pred: rows,
    zz: rows,
    colz: cap * columns * 4,
  };
  return SEGMENTS.map((s) => Math.ceil(Math.max(sizes[s], 1) / 16) * 16);
}

/** Typed views of the pool's memory, re-made after growth. */
interface Views {
  readonly generation: number;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  /** The output segments the copies read (whole segments; cut by PrefixViews). */
  readonly sel: Uint8Array;
  readonly resp: Uint8Array;
  readonly pred: Int32Array;
  readonly zz: Int32Array;
  readonly hist: Int32Array;
  /** Per field, its colz region (from its first column × capacity). */
  readonly colz: Int32Array[];
}

/** One encoder's wasm collect: its scratch blocks and the shared compiled function (see the file comment). */
export class WasmCollectKernel implements BlockOwner {
  /** Calls that ran in wasm (tests check which kernel ran). */
  calls = 0;
  /** Byte address per segment (SEGMENTS order), set when the blocks are taken. */
  private readonly addresses = new Int32Array(SEGMENTS.length);
  private readonly blocks: number[] = [];
  private views: Views | undefined;
  private readonly prefix = new PrefixViews();
  private readonly args: number[];
  /** Per field: first colz element (column × capacity). */
  private readonly colzStart: Int32Array;
  private readonly quat: boolean;

  constructor(
    readonly pool: CodecMemoryPool,
    private readonly fn: CollectFn,
    private readonly sizes: readonly number[],
    fields: readonly KernelField[],
    private readonly columns: number,
  ) {
    this.args = new Array<number>(13 + SEGMENTS.length).fill(0);
    this.colzStart = Int32Array.from(fields, (x) => x.column * pool.layout.capacity);
    this.quat = fields.some((x) => x.quat);
  }

  /** The pool calls this after growth; the views are re-made lazily (by generation). */
  rebind(): void {
    this.views = undefined;
  }

  /**
   * Fills `p` like the JS collect kernel (same arguments) and returns true, or returns false
   * without touching `p` when a state is not in this kernel's pool (the JS kernel then runs).
   */
  collect(
    p: EncodePlan,
    current: SnapshotState,
    baseline: SnapshotState | undefined,
    relevant: Uint8Array | undefined,
    reference: SnapshotState | undefined,
    rn: number,
    rd: number,
    versioned: boolean,
    hw: number,
    exBy: Int32Array | undefined,
    exClient: number,
    exMask: number,
  ): boolean {
    const pool = this.pool;
    const ratio = rd > 0;
    if (current.pool !== pool || (baseline !== undefined && baseline.pool !== pool)) return false;
    if (ratio && reference !== undefined && reference.pool !== pool) return false;
    if ((relevant !== undefined && relevant.length < hw) || (exBy !== undefined && exBy.length < hw)) {
      return false;
    }
    if (this.blocks.length === 0 && !this.takeBlocks()) return false;
    const v = this.currentViews();
    const a = this.addresses;
    const seg = (s: Segment): number => a[SEGMENTS.indexOf(s)] as number;
    const prefix = this.prefix;
    if (relevant !== undefined) v.u8.set(prefix.of(relevant, hw), seg("rel"));
    if (exBy !== undefined) v.i32.set(prefix.of(exBy, hw), seg("exBy") >> 2);
    const args = this.args;
    args[0] = pool.address(current.block);
    args[1] = baseline === undefined ? 0 : pool.address(baseline.block);
    const hasRef = ratio && reference !== undefined;
    args[2] = hasRef ? pool.address(reference.block) : 0;
    args[3] = baseline === undefined ? 0 : 1;
    args[4] = hw;
    args[5] = rn;
    args[6] = rd;
    args[7] = versioned ? 1 : 0;
    args[8] = relevant === undefined ? 0 : 1;
    args[9] = exBy === undefined ? 0 : 1;
    args[10] = exClient;
    args[11] = exMask;
    args[12] = hasRef ? 1 : 0;
    for (let s = 0; s < a.length; s++) args[13 + s] = a[s] as number;
    callWith(this.fn, args);
    this.calls++;
    this.copyOut(p, v, hw, ratio);
    return true;
  }

  private copyOut(p: EncodePlan, v: Views, hw: number, ratio: boolean): void {
    const a = this.addresses;
    const at = (s: Segment): number => a[SEGMENTS.indexOf(s)] as number;
    const i32 = v.i32;
    const hdr = at("hdr") >> 2;
    p.spawnCount = i32[hdr] as number;
    p.updateCount = i32[hdr + 1] as number;
    p.despawnCount = i32[hdr + 2] as number;
    p.baselineCount = i32[hdr + 3] as number;
    p.excludedCount = i32[hdr + 4] as number;
    const prefix = this.prefix;
    p.selected.set(prefix.of(v.sel, hw));
    p.respawn.set(prefix.of(v.resp, hw));
    copyList(p.spawnIds, i32, at("spawn") >> 2, p.spawnCount);
    copyList(p.updateIds, i32, at("update") >> 2, p.updateCount);
    copyList(p.despawnIds, i32, at("despawn") >> 2, p.despawnCount);
    const changed = at("changed") >> 2;
    for (let i = 0; i < p.updateCount; i++) {
      const id = p.updateIds[i] as number;
      p.changedMask[id] = i32[changed + id] as number;
    }
    const cost = at("cost") >> 2;
    for (let i = 0; i < p.spawnCount; i++) {
      const id = p.spawnIds[i] as number;
      p.cost[id] = i32[cost + id] as number;
    }
    const rows = hw * this.pool.layout.stride;
    if (ratio) p.pred.set(prefix.of(v.pred, rows));
    if (this.quat) p.zz.set(prefix.of(v.zz, rows));
    const starts = this.colzStart;
    for (let k = 0; k < starts.length; k++) {
      const start = starts[k] as number;
      const used = (i32[hdr + HEADER_COUNTS + k] as number) - start;
      if (used > 0) p.colz.set(prefix.of(v.colz[k] as Int32Array, used), start);
    }
    p.columns.hist.set(v.hist);
  }

  /** Packs the segments first-fit into pool blocks; false when one does not fit a block. */
  private takeBlocks(): boolean {
    const blockBytes = this.pool.layout.blockBytes;
    if (this.sizes.some((s) => s > blockBytes)) return false;
    const used: number[] = [];
    const place: [number, number][] = [];
    for (const size of this.sizes) {
      let b = used.findIndex((u) => u + size <= blockBytes);
      if (b < 0) {
        b = used.length;
        used.push(0);
      }
      place.push([b, used[b] as number]);
      used[b] = (used[b] as number) + size;
    }
    for (let b = 0; b < used.length; b++) {
      const block = this.pool.tryAlloc(this);
      if (block < 0) {
        for (const taken of this.blocks) this.pool.release(taken);
        this.blocks.length = 0;
        return false;
      }
      this.blocks.push(block);
    }
    place.forEach(([b, offset], s) => {
      this.addresses[s] = this.pool.address(this.blocks[b] as number) + offset;
    });
    return true;
  }

  private currentViews(): Views {
    this.pool.refresh();
    let v = this.views;
    if (v === undefined || v.generation !== this.pool.generation) {
      const buffer = this.pool.memory.buffer;
      const at = (s: Segment): number => this.addresses[SEGMENTS.indexOf(s)] as number;
      const { capacity, stride } = this.pool.layout;
      v = {
        generation: this.pool.generation,
        u8: new Uint8Array(buffer),
        i32: new Int32Array(buffer),
        sel: new Uint8Array(buffer, at("sel"), capacity),
        resp: new Uint8Array(buffer, at("resp"), capacity),
        pred: new Int32Array(buffer, at("pred"), capacity * stride),
        zz: new Int32Array(buffer, at("zz"), capacity * stride),
        hist: new Int32Array(buffer, at("hist"), this.columns * COLUMN_BUCKETS),
        colz: Array.from(
          this.colzStart,
          (start) => new Int32Array(buffer, at("colz") + start * 4, capacity * this.columns - start),
        ),
      };
      this.views = v;
    }
    return v;
  }
}

/** `fn(...args)` for the kernel's 27 parameters, without a spread (no arguments array per call). */
function callWith(fn: CollectFn, x: number[]): void {
  const g = (i: number): number => x[i] as number;
  fn(
    g(0),
    g(1),
    g(2),
    g(3),
    g(4),
    g(5),
    g(6),
    g(7),
    g(8),
    g(9),
    g(10),
    g(11),
    g(12),
    g(13),
    g(14),
    g(15),
    g(16),
    g(17),
    g(18),
    g(19),
    g(20),
    g(21),
    g(22),
    g(23),
    g(24),
    g(25),
    g(26),
  );
}

function copyList(to: Int32Array, from: Int32Array, start: number, count: number): void {
  for (let i = 0; i < count; i++) to[i] = from[start + i] as number;
}

/** Compiled collect modules per registry (null: not supported or refused here). */
const modules = new WeakMap<ReplicationRegistry, Map<number, WebAssembly.Module | null>>();
/** Instances per pool (one function shared by every encoder of the pool). */
const instances = new WeakMap<CodecMemoryPool, CollectFn>();

/** The registry's fields when the wasm collect supports it (all inline, fixed spawn bits), else undefined. */
export function collectFields(registry: ReplicationRegistry): KernelField[] | undefined {
  const fields = kernelFields(registry);
  if (fields === undefined || fields.length === 0) return undefined;
  return fields.every((x) => !x.generic && x.packedBits >= 0) ? fields : undefined;
}

/**
 * A wasm collect for a new EncodePlan of `registry` at `capacity`, or undefined: switch off, no
 * WebAssembly or pool, a registry it does not support, or compiling refused (a CSP without
 * 'wasm-unsafe-eval') — the JS kernel then collects.
 */
export function wasmCollectFor(
  registry: ReplicationRegistry,
  capacity: number,
): WasmCollectKernel | undefined {
  if (!wasmKernels.enabled || typeof WebAssembly === "undefined") return undefined;
  const fields = collectFields(registry);
  if (fields === undefined) return undefined;
  const pool = statePoolOf(registry, capacity);
  if (pool === undefined) return undefined;
  const columns = columnLayout(registry).columns;
  let byCapacity = modules.get(registry);
  if (byCapacity === undefined) {
    byCapacity = new Map();
    modules.set(registry, byCapacity);
  }
  let module = byCapacity.get(capacity);
  if (module === undefined) {
    try {
      module = new WebAssembly.Module(collectModule(fields, pool.layout, registry.stride, columns));
    } catch {
      module = null; // refused (a CSP without 'wasm-unsafe-eval', a size limit)
    }
    byCapacity.set(capacity, module);
  }
  if (module === null) return undefined;
  let fn = instances.get(pool);
  if (fn === undefined) {
    const instance = new WebAssembly.Instance(module, { env: { memory: pool.memory } });
    fn = instance.exports["collect"] as CollectFn;
    instances.set(pool, fn);
  }
  return new WasmCollectKernel(pool, fn, segmentBytes(fields, pool.layout, columns), fields, columns);
}
