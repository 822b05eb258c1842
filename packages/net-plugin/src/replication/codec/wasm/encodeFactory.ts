/**
 * Building the encoder's wasm kernels (wasmEncode.ts, wasmWrite.ts) for a new EncodePlan: which
 * registries they support, one module per distinct kernel bytes (wasmCompile.ts: the server's
 * and each client's registry of the same shape compile once) and one instance per state pool
 * (every encoder of the pool shares its functions).
 */
import type { ReplicationRegistry } from "../../registry";
import { QuantizedTemplate } from "../../templates/quantizedTemplate";
import { columnLayout } from "../columns";
// A cycle (encodePlan imports this file): TICK_K is read only when a kernel is built.
import { TICK_K } from "../encodePlan";
import { kernelFields } from "../kernels/compileKernel";
import { splitTransforms, type PartField } from "./transformParts";
import type { CodecMemoryPool } from "./codecMemory";
import { collectModule } from "./encodeEmit";
import { segmentBytes, type CollectFn } from "./encodeScratch";
import { statePoolOf } from "./statePool";
import { compileCached } from "./wasmCompile";
import { WasmCollectKernel } from "./wasmEncode";
import { wasmKernels } from "./wasmKernels";
import { writeSegmentBytes } from "./wasmWrite";
import type { WriteFn } from "./writeEmit";

/** A pool's instance: the fused encode (`run`: its arguments in a block, collect first) and the updates writer. */
interface Functions {
  readonly encode: CollectFn;
  readonly write: WriteFn;
}

/** Compiled modules per registry and capacity (null: refused here). */
const modules = new WeakMap<ReplicationRegistry, Map<number, WebAssembly.Module | null>>();
/** Instances per pool (one set of functions shared by every encoder of the pool). */
const instances = new WeakMap<CodecMemoryPool, Functions>();

/**
 * The registry's fields when the wasm collect supports it (all inline — columns, or `flip`/`full`
 * in the update's own bits — with fixed spawn bits), else undefined.
 */
export function collectFields(registry: ReplicationRegistry): PartField[] | undefined {
  // A Transform as its two parts (transformParts.ts).
  const fields = splitTransforms(kernelFields(registry));
  if (fields === undefined || fields.length === 0) return undefined;
  return fields.every((x) => !x.generic && x.packedBits >= 0) ? fields : undefined;
}

/**
 * True when the fused encode may write the whole snapshot of `registry` (encodeFusedEmit.ts): no
 * header k fields, and every field's spawn values packed as QuantizedTemplate packs them.
 */
export function fusedHeaderFits(registry: ReplicationRegistry): boolean {
  const pack: unknown = Reflect.get(QuantizedTemplate.prototype, "packQuantized");
  return (
    columnLayout(registry).headerGroups.length === 0 &&
    registry.fields.every((f) => Reflect.get(f.template, "packQuantized") === pack)
  );
}

/**
 * A wasm collect (with its writer) for a new EncodePlan of `registry` at `capacity`, or undefined:
 * the switch off, no WebAssembly or pool, a registry it does not support, or compiling refused (a
 * CSP without 'wasm-unsafe-eval') — the JS kernels then collect and write.
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
    // SIMD where the engine has it (Safari < 16.4 refuses the module), else the scalar build.
    module =
      compileCached(collectModule(fields, pool.layout, registry.stride, columns, true, TICK_K)) ??
      compileCached(collectModule(fields, pool.layout, registry.stride, columns, false, TICK_K));
    byCapacity.set(capacity, module);
  }
  if (module === null) return undefined;
  let fns = instances.get(pool);
  if (fns === undefined) {
    const { exports } = new WebAssembly.Instance(module, { env: { memory: pool.memory } });
    fns = { encode: exports["run"] as CollectFn, write: exports["write"] as WriteFn };
    instances.set(pool, fns);
  }
  const sizes = [...segmentBytes(fields, pool.layout, columns), ...writeSegmentBytes(pool.layout, columns)];
  return new WasmCollectKernel(pool, fns.encode, sizes, columns, fns.write, fields);
}
