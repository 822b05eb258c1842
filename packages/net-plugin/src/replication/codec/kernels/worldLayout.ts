/**
 * Per-registry and per-state helpers of the world bridge (worldCapture.ts, worldApply.ts): the registry's field
 * layout in flat arrays with its generated capture/apply kernels, where bitECS keeps each
 * component's membership bits, the capture stamps of a state, and the raw-value cache behind a
 * captured state's rows.
 */
import { $internal, type InternalWorld, type World } from "bitecs";
import type { ComponentBinding } from "../../componentBinding";
import type { ReplicationRegistry } from "../../registry";
import type { SnapshotState } from "../snapshotState";
import { wasmCaptureKernel, type WasmCaptureKernel } from "../wasm/wasmCapture";
import { wasmKernels } from "../wasm/wasmKernels";
import type { CodecMemoryPool } from "../wasm/codecMemory";
import type { WasmApplyKernel } from "../wasm/wasmApply";
import { isInlined } from "./fieldAccess";
import { worldKernels, type ApplyKernel, type CaptureKernel, type WorldKernels } from "./worldKernels";
import { codecKernels } from "./compileKernel";

/** Per-registry field layout in flat arrays (built once the registry is closed). */
export interface FieldLayout {
  readonly components: unknown[];
  readonly bindings: ComponentBinding[];
  readonly offsets: Int32Array;
  readonly widths: Int32Array;
  /** Mask with every field set. */
  readonly fullMask: number;
  /**
   * The registry's capture/apply loops, if any: the generated JS ones (codec/kernels/worldKernels.ts),
   * the capture from codec/wasm/wasmCapture.ts when `wasmKernels.enabled` as the layout is built —
   * also where code generation is refused (then `apply` is undefined: the wasm apply or the
   * generic path runs, worldApply.ts).
   */
  readonly kernels: LayoutKernels | undefined;
  /** The wasm capture kernel in `kernels` (its whole-call captureWorld path), if any. */
  readonly wasmCapture: WasmCaptureKernel | undefined;
  /**
   * True when every inlined field reads Float32Array columns (or integer arrays of at most 16
   * bits): capture's raw-value cache then holds them exactly as float32 (half the memory a resting entity's check reads).
   */
  readonly singleShadow: boolean;
  /** Per field, the world's entity mask list and bit of its component (refreshed per capture). */
  readonly hasMasks: number[][];
  readonly hasFlags: number[];
  /** What `hasMasks`/`hasFlags` were last filled from (componentMasks skips the lookups while it holds). */
  readonly maskSource: MaskSource;
  /** The wasm apply kernel applySnapshot last found for a pool of this registry (worldApply.ts). */
  readonly applyCache: { pool: CodecMemoryPool | undefined; kernel: WasmApplyKernel | undefined };
}

/** A layout's capture and apply loops (either may be missing; see FieldLayout.kernels). */
export interface LayoutKernels {
  readonly capture: CaptureKernel | undefined;
  readonly apply: ApplyKernel | undefined;
}

/**
 * The world `componentMasks` last read, by its mask lists (one array per world, replaced by
 * resetWorld with the component map; the per-generation arrays hasMasks holds are kept anyway),
 * and its registered components and generations then.
 */
interface MaskSource {
  entityMasks: unknown;
  components: number;
  generations: number;
}

/** Column types whose every element a Float32Array holds exactly (see FieldLayout.singleShadow). */
const FLOAT32_EXACT = [Float32Array, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array];

const layouts = new WeakMap<ReplicationRegistry, FieldLayout>();
export function layoutOf(registry: ReplicationRegistry): FieldLayout {
  let layout = layouts.get(registry);
  if (layout === undefined || layout.components.length !== registry.fields.length) {
    const fields = registry.fields;
    const { kernels, wasmCapture } = kernelsOf(registry);
    layout = {
      components: fields.map((f) => f.component),
      bindings: fields.map((f) => f.binding),
      offsets: Int32Array.from(fields, (f) => f.offset),
      widths: Int32Array.from(fields, (f) => f.template.width),
      fullMask: fields.length >= 32 ? -1 : (1 << fields.length) - 1,
      kernels,
      wasmCapture,
      singleShadow: fields.every(
        (f) =>
          !isInlined(f) || (f.binding.columns ?? []).every((c) => FLOAT32_EXACT.some((k) => c instanceof k)),
      ),
      hasMasks: fields.map(() => NO_MASKS),
      hasFlags: fields.map(() => 1),
      maskSource: { entityMasks: undefined, components: -1, generations: -1 },
      applyCache: { pool: undefined, kernel: undefined },
    };
    layouts.set(registry, layout);
  }
  return layout;
}

/**
 * The generated JS kernels of `registry`, with the WebAssembly capture kernel in place of the JS
 * one when `wasmKernels.enabled` and it compiles here (codec/wasm/wasmCapture.ts) — whether or not
 * JS code generation is allowed (a CSP with 'wasm-unsafe-eval' but no 'unsafe-eval': its gather
 * is then a plain loop). `codecKernels.enabled` off: no kernel of either kind (the generic path).
 */
function kernelsOf(registry: ReplicationRegistry): {
  kernels: LayoutKernels | undefined;
  wasmCapture: WasmCaptureKernel | undefined;
} {
  const js: WorldKernels | undefined = worldKernels(registry);
  const wasm = wasmKernels.enabled && codecKernels.enabled ? wasmCaptureKernel(registry) : undefined;
  if (wasm === undefined) return { kernels: js, wasmCapture: undefined };
  return { kernels: { capture: wasm.capture, apply: js?.apply }, wasmCapture: wasm };
}

/**
 * Fills `plan.hasMasks`/`hasFlags` with where bitECS keeps each component's membership bit (the
 * world context its own `hasComponent` reads), so the capture kernel tests membership with one
 * AND instead of a Map lookup per entity and field. False when the context does not have the
 * bitecs 0.4 shape (the generic path then runs).
 */
export function componentMasks(world: World, plan: FieldLayout): boolean {
  const ctx = (world as Partial<InternalWorld>)[$internal];
  const last = plan.maskSource;
  // The same world with no component registered since (bitECS never moves a registered
  // component's bit or generation array; resetWorld replaces the map and the mask lists): as filled.
  if (
    ctx !== undefined &&
    last.generations >= 0 &&
    ctx.entityMasks === last.entityMasks &&
    ctx.entityMasks.length === last.generations &&
    ctx.componentMap.size === last.components
  ) {
    return true;
  }
  if (ctx === undefined || !(ctx.componentMap instanceof Map) || !Array.isArray(ctx.entityMasks))
    return false;
  for (let f = 0; f < plan.components.length; f++) {
    const data = ctx.componentMap.get(plan.components[f]);
    const masks = data === undefined ? undefined : ctx.entityMasks[data.generationId];
    // Unregistered in this world: no entity has it (an empty mask list never matches bit 1).
    plan.hasMasks[f] = masks ?? NO_MASKS;
    plan.hasFlags[f] = masks === undefined || data === undefined ? 1 : data.bitflag;
  }
  last.components = ctx.componentMap.size;
  last.entityMasks = ctx.entityMasks;
  last.generations = ctx.entityMasks.length;
  return true;
}

const NO_MASKS: number[] = [];

/** bitECS's internal-state symbol through a module-local reference (see componentMasksOf). */
const INTERNAL: typeof $internal = $internal;

/**
 * componentMasks for a per-call path (captureWorld): the same-world check first, reading bitECS's
 * symbol through a module-local reference — in tsx/esbuild's CommonJS output (and bitECS's CJS
 * build) every read of the imported `$internal` is a getter call (~0.05 µs per capture in the
 * codec bench fixture).
 */
export function componentMasksOf(world: World, plan: FieldLayout): boolean {
  const ctx = (world as Partial<InternalWorld>)[INTERNAL];
  const last = plan.maskSource;
  if (
    ctx !== undefined &&
    last.generations >= 0 &&
    ctx.entityMasks === last.entityMasks &&
    ctx.entityMasks.length === last.generations &&
    ctx.componentMap.size === last.components
  ) {
    return true;
  }
  return componentMasks(world, plan);
}

/**
 * Per captured state, the raw channel values its rows were last quantized from (see
 * CaptureKernel); reset to "unknown" whenever the state's values were written another way.
 */
const shadows = new WeakMap<SnapshotState, { values: Float64Array | Float32Array; revision: number }>();
export function shadowOf(state: SnapshotState, single: boolean): Float64Array | Float32Array {
  let s = shadows.get(state);
  if (s === undefined || s.values instanceof Float32Array !== single) {
    const n = state.values.length;
    s = { values: single ? new Float32Array(n) : new Float64Array(n), revision: state.revision - 1 };
    shadows.set(state, s);
  }
  if (s.revision !== state.revision) {
    s.values.fill(Number.NaN);
    s.revision = state.revision;
  }
  return s.values;
}

const stamps = new WeakMap<SnapshotState, Uint32Array & { stamp: number }>();
export function seenStamps(state: SnapshotState): Uint32Array & { stamp: number } {
  let seen = stamps.get(state);
  if (seen === undefined) {
    seen = Object.assign(new Uint32Array(state.capacity), { stamp: 0 });
    stamps.set(state, seen);
  }
  return seen;
}
