/**
 * The client half of the bridge between a bitECS world and snapshot states: applies a decoded
 * state to the world by diffing it with the last state it applied — spawning, despawning and
 * writing only the fields whose quantized value changed.
 *
 * Apply runs one of three loops for the ids that stay present with the same fields: the wasm apply
 * kernel (codec/wasm/wasmApply.ts) when `wasmKernels.enabled` is on, the registry has one and both
 * states are pool-backed in one pool (it reads them in place; component columns are still copied
 * in and out per call), else the generated JS kernel, else the generic per-entity path — the same
 * world either way (test/replication/wasm/wasmApplySnapshot.test.ts).
 */
import { addComponent, addEntity, hasComponent, removeComponent, removeEntity, type World } from "bitecs";
import { NONE, type EntityMap } from "./entityMap";
import type { ReplicationRegistry } from "./registry";
import type { ComponentBinding } from "./componentBinding";
import type { SnapshotState } from "./codec/snapshotState";
import { wasmApplyFor, type WasmApplyKernel } from "./codec/wasm/wasmApply";
import type { CodecMemoryPool } from "./codec/wasm/codecMemory";
import { wasmKernels } from "./codec/wasm/wasmKernels";
import { layoutOf, type FieldLayout } from "./codec/kernels/worldLayout";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function (or read of an imported constant) is a getter call.
const NO_ENTITY = NONE;
const addComponentLocal = addComponent;
const addEntityLocal = addEntity;
const hasComponentLocal = hasComponent;
const removeComponentLocal = removeComponent;
const removeEntityLocal = removeEntity;
const layoutOfLocal = layoutOf;
/** The switch object itself (its `enabled` is read per call; the object never changes). */
const wasmKernelsLocal = wasmKernels;

/** What {@link applySnapshot} changed (one reused object per call site is fine). */
export interface ApplyResult {
  spawned: number;
  despawned: number;
  updated: number;
}

/** Hooks called while applying (e.g. to add render components or a `Replicated` tag). */
export interface ApplyHooks {
  onSpawn?(eid: number, netId: number): void;
  onDespawn?(eid: number, netId: number): void;
}

/**
 * Makes the client world match `next`: entities absent from `prev` (the last applied state, or
 * undefined) are created, those gone are removed, and changed fields are written. Returns counts.
 */
export function applySnapshot(
  world: World,
  registry: ReplicationRegistry,
  prev: SnapshotState | undefined,
  next: SnapshotState,
  map: EntityMap,
  hooks: ApplyHooks = NO_HOOKS,
  result: ApplyResult = sharedResult,
): ApplyResult {
  result.spawned = result.despawned = result.updated = 0;
  const pool = next.pool;
  const kernel = pool?.applyKernel;
  // Steady: the pool's wasm kernel made (below) and nothing left for the per-entity path.
  if (
    kernel != null &&
    next.registry === registry &&
    (prev === undefined || prev.pool === pool) &&
    wasmKernelsLocal.enabled
  ) {
    const updated = kernel.run(prev, next, map, Math.max(next.highWater, prev?.highWater ?? 0));
    if (kernel.others === 0) {
      result.updated = updated;
      return result;
    }
    return dispatchOthers(kernel, world, registry, prev, next, map, hooks, result, updated);
  }
  const layout = layoutOfLocal(registry);
  const hw = Math.max(next.highWater, prev?.highWater ?? 0);
  const saved = enterContext(world, layout, prev, next, map, hooks, result);
  const wasm =
    wasmKernelsLocal.enabled &&
    pool !== undefined &&
    next.registry === registry &&
    (prev === undefined || prev.pool === pool)
      ? applyKernelOf(layout, registry, pool)
      : undefined;
  // The kernel's count is added after the call: `result.updated += kernel(...)` would read the
  // count before the call and drop the updates applyOther counts during it (ids whose fields changed).
  if (wasm !== undefined) {
    const updated = wasm.apply(prev, next, map, hw, applyOther);
    result.updated += updated;
  } else if (layout.kernels?.apply !== undefined) {
    const updated = layout.kernels.apply(prev, next, map, hw, applyOther);
    result.updated += updated;
  } else {
    for (let id = 0; id < hw; id++) applyOther(id);
  }
  leaveContext(saved);
  return result;
}

/** Sets the per-entity path's context; returns the one it replaced when a hook re-entered (else undefined). */
function enterContext(
  world: World,
  layout: FieldLayout,
  prev: SnapshotState | undefined,
  next: SnapshotState,
  map: EntityMap,
  hooks: ApplyHooks,
  result: ApplyResult,
): ApplyContext | undefined {
  const c = applyContext;
  const saved = c.layout === undefined ? undefined : { ...c };
  c.world = world;
  c.layout = layout;
  c.prev = prev;
  c.next = next;
  c.map = map;
  c.hooks = hooks;
  c.result = result;
  return saved;
}

/** Restores the context `enterContext` replaced, or clears it. */
function leaveContext(saved: ApplyContext | undefined): void {
  const c = applyContext;
  if (saved !== undefined) Object.assign(c, saved);
  else c.world = c.layout = c.prev = c.next = c.map = undefined;
}

/** The ids a wasm `run` left for the per-entity path, applied with the context set (as applySnapshot's). */
function dispatchOthers(
  kernel: WasmApplyKernel,
  world: World,
  registry: ReplicationRegistry,
  prev: SnapshotState | undefined,
  next: SnapshotState,
  map: EntityMap,
  hooks: ApplyHooks,
  result: ApplyResult,
  updated: number,
): ApplyResult {
  const saved = enterContext(world, layoutOfLocal(registry), prev, next, map, hooks, result);
  try {
    kernel.dispatch(applyOther);
  } finally {
    leaveContext(saved);
  }
  result.updated += updated;
  return result;
}

/** wasmApplyFor's answer for `pool`, kept on the registry's layout (no WeakMap lookup per call). */
function applyKernelOf(
  layout: FieldLayout,
  registry: ReplicationRegistry,
  pool: CodecMemoryPool,
): WasmApplyKernel | undefined {
  const cache = layout.applyCache;
  if (cache.pool !== pool) {
    cache.kernel = wasmApplyFor(registry, pool);
    cache.pool = pool;
    // The steady path's: the pool's states are this registry's (statePool.ts), its kernel this one.
    pool.applyKernel = cache.kernel ?? null;
  }
  return cache.kernel;
}

/** What the per-entity apply path reads (set by applySnapshot; restored if a hook re-enters it). */
interface ApplyContext {
  world: World | undefined;
  layout: FieldLayout | undefined;
  prev: SnapshotState | undefined;
  next: SnapshotState | undefined;
  map: EntityMap | undefined;
  hooks: ApplyHooks;
  result: ApplyResult;
}

const applyContext: ApplyContext = {
  world: undefined,
  layout: undefined,
  prev: undefined,
  next: undefined,
  map: undefined,
  hooks: {},
  result: { spawned: 0, despawned: 0, updated: 0 },
};

/** Applies network id `id` of the current applySnapshot call: spawn, despawn, fields added/removed/changed. */
function applyOther(id: number): void {
  const c = applyContext;
  const { prev, hooks, result } = c;
  const world = c.world as World;
  const layout = c.layout as FieldLayout;
  const next = c.next as SnapshotState;
  const map = c.map as EntityMap;
  const { components, bindings, offsets, widths } = layout;
  const fieldCount = components.length;
  const nextValues = next.values;
  const prevValues = prev?.values;
  const was = prev !== undefined && prev.present[id] === 1;
  const is = next.present[id] === 1;
  if (!is) {
    if (!was) return;
    const eid = map.unbindNet(id);
    if (eid !== NO_ENTITY) {
      hooks.onDespawn?.(eid, id);
      removeEntityLocal(world, eid);
      result.despawned++;
    }
    return;
  }
  let eid = map.entityOf(id);
  const mask = next.mask[id] as number;
  const oldMask = was && eid !== NO_ENTITY ? (prev.mask[id] as number) : 0;
  const fresh = eid === NO_ENTITY;
  if (fresh) {
    eid = addEntityLocal(world);
    map.bind(id, eid);
  }
  const row = id * next.stride;
  let wrote = false;
  for (let f = 0; f < fieldCount; f++) {
    const bit = 1 << f;
    const component = components[f] as object;
    if ((mask & bit) === 0) {
      if ((oldMask & bit) !== 0) removeComponentLocal(world, eid, component);
      continue;
    }
    const o = row + (offsets[f] as number);
    const added = (oldMask & bit) === 0;
    if (added && !hasComponentLocal(world, eid, component)) addComponentLocal(world, eid, component);
    if (added || prevValues === undefined || !sameSlots(nextValues, prevValues, o, widths[f] as number)) {
      (bindings[f] as ComponentBinding).apply(eid, nextValues, o);
      wrote = true;
    }
  }
  if (fresh) {
    result.spawned++;
    hooks.onSpawn?.(eid, id);
  } else if (wrote) result.updated++;
}

const NO_HOOKS: ApplyHooks = {};
/** Reused when the caller passes no result object (read it before the next call). */
const sharedResult: ApplyResult = { spawned: 0, despawned: 0, updated: 0 };

function sameSlots(a: Int32Array, b: Int32Array, offset: number, width: number): boolean {
  for (let s = 0; s < width; s++) if (a[offset + s] !== b[offset + s]) return false;
  return true;
}
