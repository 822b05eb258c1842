/**
 * The server capture loop (worldKernels.ts CaptureKernel) as a WebAssembly kernel generated per
 * registry: a generated JS gather loop per batch of listed entities (network id from the map —
 * missing → the same throw —, the per-field membership bits as the JS kernel tests them, the raw
 * channel values into the scratch's f64 columns), then one wasm call that quantizes every field
 * (straight-line, f64x2 where available: bit-identical to the JS kernel), compares each present
 * field with the state's row, writes changed rows and bumps present/mask/version/high water as the
 * JS kernel does (the same version numbers).
 *
 * Interim data movement (until SnapshotStates live in the pool, see codecMemory.ts): the kernel
 * takes the addresses of the state's four arrays, and this wrapper copies the state's first rows
 * (up to the largest listed network id) into a block of its own memory before the call and back
 * after it — with pool-backed states the wrapper passes the state's own addresses instead.
 *
 * Unlike the JS kernel, nothing is written when an entity has no network id (the throw comes
 * from the gather, before the batch's kernel call), and a network id beyond the state's capacity
 * throws (the JS kernel's typed-array writes there were no-ops). The JS kernel's raw-value cache
 * (`shadow`) is not used: quantizing a batch costs less than comparing it.
 */
import type { EntityMap } from "../../entityMap";
import type { ReplicationRegistry } from "../../registry";
import { compileKernel } from "../kernels/compileKernel";
import { bindField, type FieldBindings } from "../kernels/fieldAccess";
import type { CaptureKernel } from "../kernels/worldKernels";
import type { SnapshotState } from "../snapshotState";
import { captureModule } from "./captureEmit";
import { capturePlan, type CapturePlan } from "./capturePlan";
import { CodecMemoryPool, stateLayout, type StateLayout, type StateViews } from "./codecMemory";
import { PrefixViews } from "./prefixViews";

type CaptureFn = (values: number, present: number, mask: number, version: number, n: number) => void;

/** Fills the scratch with list entries `start..end)`; returns the largest network id among them. */
type Gather = (
  entities: ArrayLike<number>,
  start: number,
  end: number,
  map: EntityMap,
  seen: Uint32Array,
  stamp: number,
  hasMasks: readonly (readonly number[])[],
  hasFlags: readonly number[],
  missing: (eid: number) => void,
  i32: Int32Array,
  f64: Float64Array,
  capacity: number,
) => number;

/** One memory with one state block, for states of one capacity. */
interface Runner {
  readonly pool: CodecMemoryPool;
  readonly layout: StateLayout;
  readonly block: number;
  readonly fn: CaptureFn;
  generation: number;
  i32: Int32Array;
  f64: Float64Array;
}

/** A registry's generated wasm capture kernel (see the file comment). */
export class WasmCaptureKernel {
  private readonly runners = new Map<number, Runner>();
  private readonly prefix = new PrefixViews();

  /** Use wasmCaptureKernel(); `module` is the compiled captureModule(plan, simd). */
  constructor(
    private readonly plan: CapturePlan,
    private readonly module: WebAssembly.Module,
    private readonly gather: Gather,
    /** True when the quantization runs in f64x2 lanes. */
    readonly simd: boolean,
  ) {}

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
    r.i32[0] = out.versionCounter;
    r.i32[1] = out.highWater;
    let have = 0;
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
        r.f64,
        out.capacity,
      );
      if (top + 1 > have) {
        this.copyIn(pool.views(r.block), out, have, top + 1);
        have = top + 1;
      }
      r.fn(
        address + layout.valuesOffset,
        address + layout.presentOffset,
        address + layout.maskOffset,
        address + layout.versionOffset,
        end - start,
      );
    }
    if (have > 0) this.copyOut(pool.views(r.block), out, have);
    out.versionCounter = r.i32[0] >>> 0;
    out.highWater = r.i32[1];
  };

  /** Copies rows `from..to)` of `s` into the block. */
  private copyIn(b: StateViews, s: SnapshotState, from: number, to: number): void {
    const stride = this.plan.stride;
    if (from === 0) {
      const p = this.prefix;
      b.present.set(p.of(s.present, to));
      b.mask.set(p.of(s.mask, to));
      b.version.set(p.of(s.version, to));
      b.values.set(p.of(s.values, to * stride));
      return;
    }
    // A later batch reaching past the rows copied so far (lists longer than a batch, growing ids).
    b.present.set(s.present.subarray(from, to), from);
    b.mask.set(s.mask.subarray(from, to), from);
    b.version.set(s.version.subarray(from, to), from);
    b.values.set(s.values.subarray(from * stride, to * stride), from * stride);
  }

  /** Copies the block's first `rows` rows back into `s`. */
  private copyOut(b: StateViews, s: SnapshotState, rows: number): void {
    const p = this.prefix;
    s.present.set(p.of(b.present, rows));
    s.mask.set(p.of(b.mask, rows));
    s.version.set(p.of(b.version, rows));
    s.values.set(p.of(b.values, rows * this.plan.stride));
  }

  /** The memory and instance for states of `capacity` ids (made on first use), views current. */
  private runner(capacity: number): Runner {
    let r = this.runners.get(capacity);
    if (r === undefined) {
      const layout = stateLayout(capacity, this.plan.stride);
      const pool = new CodecMemoryPool(layout, { scratchBytes: this.plan.scratchBytes, initialBlocks: 1 });
      const instance = new WebAssembly.Instance(this.module, { env: { memory: pool.memory } });
      const buffer = pool.memory.buffer;
      r = {
        pool,
        layout,
        block: pool.alloc(),
        fn: instance.exports["capture"] as CaptureFn,
        generation: pool.generation,
        i32: new Int32Array(buffer),
        f64: new Float64Array(buffer),
      };
      this.runners.set(capacity, r);
    }
    r.pool.refresh();
    if (r.generation !== r.pool.generation) {
      r.generation = r.pool.generation;
      r.i32 = new Int32Array(r.pool.memory.buffer);
      r.f64 = new Float64Array(r.pool.memory.buffer);
    }
    return r;
  }
}

/** Throws for an unmapped entity (through `missing`) or a network id outside the state. */
function outside(eid: number, netId: number, capacity: number, missing: (eid: number) => void): never {
  if (netId < 0) missing(eid);
  throw new RangeError(
    netId < 0
      ? `captureWorld: entity ${eid} has no network id.`
      : `captureWorld: entity ${eid} has network id ${netId}, outside the state's capacity (${capacity}); make the state larger.`,
  );
}

function gatherSource(registry: ReplicationRegistry, plan: CapturePlan): string {
  const B = plan.batch;
  const raw = plan.raw / 8;
  const fields = plan.fields
    .map((field) => {
      const f = field.index;
      const loads = Array.from(
        { length: field.width },
        (_, c) =>
          `f64[${raw + (field.offset + c) * B} + j] = A${f}_${c}[eid]${field.undefinedIsZero ? " ?? 0" : ""};`,
      ).join(" ");
      return `    if ((hm${f}[eid] & hf${f}) === hf${f}) { mask |= ${field.bit}; ${loads} }`;
    })
    .join("\n");
  return `return function gather(entities, start, end, map, seen, stamp, hasMasks, hasFlags, missing, i32, f64, capacity) {
  ${registry.fields.map((f) => `const hm${f.index} = hasMasks[${f.index}], hf${f.index} = hasFlags[${f.index}];`).join("\n  ")}
  let top = -1;
  for (let i = start; i < end; i++) {
    const eid = entities[i];
    const netId = map.netIdOf(eid);
    if (netId < 0 || netId >= capacity) outside(eid, netId, capacity, missing);
    seen[netId] = stamp;
    const j = i - start;
    i32[${plan.ids / 4} + j] = netId;
    if (netId > top) top = netId;
    let mask = 0;
${fields}
    i32[${plan.masks / 4} + j] = mask;
  }
  return top;
};`;
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
  const bindings: FieldBindings = { names: ["outside"], values: [outside] };
  for (const field of registry.fields) bindField(field, bindings);
  const gather = compileKernel<Gather>(bindings.names, gatherSource(registry, plan), bindings.values);
  if (gather === undefined) return undefined;
  const cached = options.simd === undefined && options.batch === undefined;
  let entry = cached ? compiled.get(registry) : undefined;
  if (entry === undefined) {
    entry = null;
    // f64x2 unless told otherwise or the engine lacks SIMD; then the scalar kernel.
    for (const simd of options.simd === false ? [false] : [true, false]) {
      try {
        entry = { module: new WebAssembly.Module(captureModule(plan, simd)), simd };
        break;
      } catch {
        continue; // refused (no SIMD, a CSP without 'wasm-unsafe-eval', a size limit)
      }
    }
    if (cached) compiled.set(registry, entry);
  }
  return entry === null ? undefined : new WasmCaptureKernel(plan, entry.module, gather, entry.simd);
}
