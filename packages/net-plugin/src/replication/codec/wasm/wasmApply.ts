/**
 * The client `apply` loop (worldKernels.ts ApplyKernel) as a WebAssembly kernel generated per
 * registry: for ids present in both states with the same fields and a mapped entity, every field
 * whose slots changed is dequantized — expression for expression as the JS kernel, in f64, so the
 * floats are bit-identical — into copies of the component columns in wasm memory; every other id
 * is collected and handed to `other` afterwards, in ascending order, as the JS kernel does inline.
 *
 * Interim data movement (until SnapshotState and components live in the pool, see codecMemory.ts):
 * per call the two states are copied into two pool blocks and the columns' prefix up to the
 * largest mapped entity is copied in and back out. Ids whose entity lies beyond a column's length
 * go to `other` (the JS kernel writes past the typed array, a no-op).
 */
import type { EntityMap } from "../../entityMap";
import type { ReplicationRegistry } from "../../registry";
import type { ApplyKernel } from "../kernels/worldKernels";
import type { SnapshotState } from "../snapshotState";
import { applyPlan, type ApplyField, type ApplyPlan } from "./applyPlan";
import { CodecMemoryPool, stateLayout, type StateLayout } from "./codecMemory";
import { WasmModule, type Local, type WasmFunction } from "./wasmModule";

type ApplyFn = (next: number, prev: number, hasPrev: number, hw: number) => number;

/** Emits the kernel function into `mod` (exported as "apply"). */
function emitApply(mod: WasmModule, plan: ApplyPlan, layout: StateLayout, stride: number): void {
  const f = mod.function("apply", ["i32", "i32", "i32", "i32"], ["i32"]);
  const [next, prev, hasPrev, hw] = [f.param(0), f.param(1), f.param(2), f.param(3)];
  const i32 = (): Local => f.local("i32");
  const f64 = (): Local => f.local("f64");
  const [id, eid, mask, was, wrote, updated, others] = [i32(), i32(), i32(), i32(), i32(), i32(), i32()];
  const [nextRow, prevRow, largest, q] = [i32(), i32(), i32(), i32()];
  const [s0, s1, s2, d, x, y, z, w, inv] = [f64(), f64(), f64(), f64(), f64(), f64(), f64(), f64(), f64()];
  const id4 = (): WasmFunction => f.localGet(id).i32Const(2).op("i32.shl");
  const pushOther = (): void => {
    f.localGet(others).i32Const(2).op("i32.shl").localGet(id).store("i32.store", plan.others);
    f.localGet(others).i32Const(1).op("i32.add").localSet(others);
  };
  const exit = f.block();
  f.localGet(hw).i32Const(0).op("i32.le_s").brIf(exit);
  f.localGet(hasPrev).op("i32.eqz");
  const noPrev = f.if();
  f.localGet(next).localSet(prev);
  f.end(noPrev);
  const top = f.loop();
  const cont = f.block();
  // was = hasPrev && prev.present[id] === 1
  f.localGet(hasPrev).localGet(prev).localGet(id).op("i32.add").load("i32.load8_u", layout.presentOffset);
  f.i32Const(1).op("i32.eq").op("i32.and").localSet(was);
  f.localGet(next).localGet(id).op("i32.add").load("i32.load8_u", layout.presentOffset).i32Const(1);
  f.op("i32.ne");
  const absent = f.if();
  f.localGet(was);
  const despawn = f.if();
  pushOther();
  f.end(despawn).br(cont).end(absent);
  id4().load("i32.load", plan.eids).localSet(eid);
  f.localGet(next);
  id4().op("i32.add").load("i32.load", layout.maskOffset).localSet(mask);
  // !was || eid outside the columns (or unmapped) || prev.mask[id] !== mask
  f.localGet(was).op("i32.eqz").localGet(eid).i32Const(plan.columnLength).op("i32.ge_u").op("i32.or");
  f.localGet(prev);
  id4().op("i32.add").load("i32.load", layout.maskOffset).localGet(mask).op("i32.ne");
  f.op("i32.or");
  const generic = f.if();
  pushOther();
  f.br(cont).end(generic);
  f.localGet(id)
    .i32Const(stride * 4)
    .op("i32.mul")
    .localTee(q);
  f.localGet(next).op("i32.add").localSet(nextRow);
  f.localGet(q).localGet(prev).op("i32.add").localSet(prevRow);
  f.i32Const(0).localSet(wrote);
  const slot = (row: Local, s: number): void => {
    f.localGet(row).load("i32.load", layout.valuesOffset + s * 4);
  };
  for (const field of plan.fields) {
    f.localGet(mask).i32Const(field.bit).op("i32.and");
    const has = f.if();
    for (let s = 0; s < field.width; s++) {
      slot(nextRow, field.offset + s);
      slot(prevRow, field.offset + s);
      f.op("i32.ne");
      if (s > 0) f.op("i32.or");
    }
    const changed = f.if();
    emitDequantize(f, field, nextRow, eid, { largest, q, s0, s1, s2, d, x, y, z, w, inv });
    f.i32Const(1).localSet(wrote);
    f.end(changed).end(has);
  }
  f.localGet(updated).localGet(wrote).op("i32.add").localSet(updated);
  f.end(cont);
  f.localGet(id).i32Const(1).op("i32.add").localTee(id).localGet(hw).op("i32.lt_s").brIf(top);
  f.end(top).end(exit);
  f.i32Const(0).localGet(others).store("i32.store");
  f.localGet(updated);
  mod.export("apply", f);
}

/** The locals the dequantization uses. */
interface DequantizeLocals {
  readonly largest: Local;
  readonly q: Local;
  readonly s0: Local;
  readonly s1: Local;
  readonly s2: Local;
  readonly d: Local;
  readonly x: Local;
  readonly y: Local;
  readonly z: Local;
  readonly w: Local;
  readonly inv: Local;
}

/** Writes the value of `field`'s slots in `row` to entity `eid`'s columns (fieldAccess.ts dequantizeSource). */
function emitDequantize(
  f: WasmFunction,
  field: ApplyField,
  row: Local,
  eid: Local,
  l: DequantizeLocals,
): void {
  const slot = (s: number): WasmFunction => f.localGet(row).load("i32.load", (field.offset + s) * 4);
  const store = (c: number, value: () => void): void => {
    const col = field.columns[c];
    if (col === undefined) throw new Error(`wasm apply: field at slot ${field.offset} has no column ${c}.`);
    f.localGet(eid)
      .i32Const(col.f64 ? 8 : 4)
      .op("i32.mul");
    value();
    if (col.f64) f.store("f64.store", col.address);
    else f.op("f32.demote_f64").store("f32.store", col.address);
  };
  if (field.kind === "linear") {
    for (let s = 0; s < field.width; s++) {
      store(s, () => {
        slot(s)
          .localTee(l.q)
          .i32Const(field.maxValue[s] as number)
          .op("i32.ge_s");
        f.if("f64");
        f.f64Const(field.max[s] as number).else();
        f.f64Const(field.min[s] as number)
          .localGet(l.q)
          .op("f64.convert_i32_s");
        f.f64Const(field.step[s] as number)
          .op("f64.mul")
          .op("f64.add")
          .end();
      });
    }
    return;
  }
  slot(0).i32Const(3).op("i32.and").localSet(l.largest);
  [l.s0, l.s1, l.s2].forEach((target, k) => {
    slot(k + 1)
      .op("f64.convert_i32_s")
      .f64Const(field.scale)
      .op("f64.mul");
    f.f64Const(Math.SQRT1_2).op("f64.sub").localSet(target);
  });
  const square = (v: Local): WasmFunction => f.localGet(v).localGet(v).op("f64.mul");
  // d = sqrt(max(0, 1 - s0² - s1² - s2²))
  f.f64Const(0).f64Const(1);
  square(l.s0).op("f64.sub");
  square(l.s1).op("f64.sub");
  square(l.s2).op("f64.sub").op("f64.max").op("f64.sqrt").localSet(l.d);
  const isLargest = (k: number): WasmFunction => f.localGet(l.largest).i32Const(k).op("i32.eq");
  f.localGet(l.d).localGet(l.s0);
  isLargest(0).op("select").localSet(l.x);
  f.localGet(l.d).localGet(l.s0).localGet(l.s1);
  isLargest(0).op("select");
  isLargest(1).op("select").localSet(l.y);
  f.localGet(l.d).localGet(l.s2).localGet(l.s1);
  isLargest(3).op("select");
  isLargest(2).op("select").localSet(l.z);
  f.localGet(l.d).localGet(l.s2);
  isLargest(3).op("select").localSet(l.w);
  // inv = 1 / sqrt(x² + y² + z² + w²)
  f.f64Const(1);
  square(l.x);
  square(l.y).op("f64.add");
  square(l.z).op("f64.add");
  square(l.w).op("f64.add").op("f64.sqrt").op("f64.div").localSet(l.inv);
  [l.x, l.y, l.z, l.w].forEach((v, c) => store(c, () => f.localGet(v).localGet(l.inv).op("f64.mul")));
}

/** A typed array `PrefixViews` can cut. */
type Prefixable = Uint8Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/**
 * Cached `array.subarray(0, n)` per array: copies are then one `set` (a memcpy) without a view
 * object per call — element loops were ~5× slower, and `n` (high water, largest entity) rarely
 * changes. Keyed weakly: states and memory views that go away take their entries with them.
 */
class PrefixViews {
  private readonly cache = new WeakMap<Prefixable, Prefixable>();

  /** `array.subarray(0, n)`, made once per array and length. */
  of<T extends Prefixable>(array: T, n: number): T {
    const hit = this.cache.get(array) as T | undefined;
    if (hit !== undefined && hit.length === n) return hit;
    const view = array.subarray(0, n) as T;
    this.cache.set(array, view);
    return view;
  }
}

/** Typed views of the kernel's memory, re-made when the memory grows. */
interface Views {
  readonly generation: number;
  readonly u8: Uint8Array;
  readonly i32: Int32Array;
  readonly u32: Uint32Array;
  readonly columns: (Float32Array | Float64Array)[];
}

/** A registry's generated wasm apply kernel with its memory (see the file comment). */
export class WasmApplyKernel {
  /** The memory pool: scratch (eids, others, columns) and two state blocks. */
  readonly pool: CodecMemoryPool;
  private readonly fn: ApplyFn;
  private readonly layout: StateLayout;
  private readonly columns: ApplyPlan["fields"][number]["columns"][number][];
  private readonly nextAddress: number;
  private readonly prevAddress: number;
  private views: Views | undefined;
  private readonly prefix = new PrefixViews();
  /** Ids for `other` per re-entry depth, and the current depth. */
  private readonly pending: Int32Array[] = [];
  private depth = 0;

  constructor(
    registry: ReplicationRegistry,
    readonly capacity: number,
    private readonly plan: ApplyPlan,
  ) {
    this.layout = stateLayout(capacity, registry.stride);
    this.pool = new CodecMemoryPool(this.layout, { scratchBytes: plan.scratchBytes, initialBlocks: 2 });
    this.nextAddress = this.pool.address(this.pool.alloc());
    this.prevAddress = this.pool.address(this.pool.alloc());
    this.columns = plan.fields.flatMap((field) => field.columns);
    const mod = new WasmModule().importMemory("env", "memory", { min: 1 });
    emitApply(mod, plan, this.layout, registry.stride);
    const instance = mod.instantiate({ env: { memory: this.pool.memory } });
    this.fn = instance.exports["apply"] as ApplyFn;
  }

  /** Same contract as the JS ApplyKernel (worldKernels.ts); `other` runs after the kernel, in id order. */
  readonly apply: ApplyKernel = (prev, next, map, hw, other) => {
    if (!(hw >= 0 && hw <= this.capacity)) {
      throw new RangeError(`WasmApplyKernel: high water ${hw} is outside 0..capacity (${this.capacity}).`);
    }
    const v = this.currentViews();
    this.copyState(v, next, this.nextAddress, hw);
    if (prev !== undefined) this.copyState(v, prev, this.prevAddress, hw);
    const maxEid = this.writeEids(v, map, hw);
    const columns = this.columns;
    const prefix = this.prefix;
    for (let c = 0; c < columns.length; c++) {
      const from = (columns[c] as (typeof columns)[number]).array;
      (v.columns[c] as typeof from).set(prefix.of(from, maxEid + 1));
    }
    const updated = this.fn(this.nextAddress, this.prevAddress, prev === undefined ? 0 : 1, hw);
    for (let c = 0; c < columns.length; c++) {
      const to = (columns[c] as (typeof columns)[number]).array;
      to.set(prefix.of(v.columns[c] as typeof to, maxEid + 1));
    }
    // `other` may re-enter apply (applySnapshot hooks may), which rewrites the memory: the ids
    // are first copied out to a list of this call's depth.
    const count = v.i32[0] as number;
    const depth = this.depth++;
    let ids = this.pending[depth];
    if (ids === undefined) {
      ids = new Int32Array(this.capacity);
      this.pending[depth] = ids;
    }
    const base = this.plan.others >> 2;
    for (let i = 0; i < count; i++) ids[i] = v.i32[base + i] as number;
    try {
      for (let i = 0; i < count; i++) other(ids[i] as number);
    } finally {
      this.depth--;
    }
    return updated;
  };

  /** Copies the first `hw` rows of `s` into the block at `address` (the kernel reads no others). */
  private copyState(v: Views, s: SnapshotState, address: number, hw: number): void {
    const prefix = this.prefix;
    v.u8.set(prefix.of(s.present, hw), address + this.layout.presentOffset);
    v.u32.set(prefix.of(s.mask, hw), (address + this.layout.maskOffset) >> 2);
    v.i32.set(prefix.of(s.values, hw * s.stride), (address + this.layout.valuesOffset) >> 2);
  }

  /** Writes each id's entity; returns the largest entity inside the columns, or -1. */
  private writeEids(v: Views, map: EntityMap, hw: number): number {
    const base = this.plan.eids >> 2;
    const limit = this.plan.columnLength;
    let maxEid = -1;
    for (let id = 0; id < hw; id++) {
      const eid = map.entityOf(id);
      v.i32[base + id] = eid;
      if (eid > maxEid && eid < limit) maxEid = eid;
    }
    return maxEid;
  }

  private currentViews(): Views {
    this.pool.refresh();
    let v = this.views;
    if (v === undefined || v.generation !== this.pool.generation) {
      const buffer = this.pool.memory.buffer;
      v = {
        generation: this.pool.generation,
        u8: new Uint8Array(buffer),
        i32: new Int32Array(buffer),
        u32: new Uint32Array(buffer),
        columns: this.columns.map((c) =>
          c.f64
            ? new Float64Array(buffer, c.address, c.array.length)
            : new Float32Array(buffer, c.address, c.array.length),
        ),
      };
      this.views = v;
    }
    return v;
  }
}

/**
 * The wasm apply kernel of `registry` for states of `capacity` ids, or undefined when a field is
 * not supported (applyPlan.ts) or WebAssembly is unavailable or refused (CSP without
 * 'wasm-unsafe-eval'); the JS kernel then stays in use.
 */
export function wasmApplyKernel(
  registry: ReplicationRegistry,
  capacity: number,
): WasmApplyKernel | undefined {
  if (typeof WebAssembly === "undefined") return undefined;
  const plan = applyPlan(registry, capacity);
  if (plan === undefined) return undefined;
  try {
    return new WasmApplyKernel(registry, capacity, plan);
  } catch (e) {
    if (e instanceof WebAssembly.CompileError || e instanceof WebAssembly.LinkError) return undefined;
    throw e;
  }
}
