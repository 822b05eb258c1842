/**
 * The bridge between a bitECS world and snapshot states: the server quantizes its replicated
 * entities into a {@link SnapshotState} once per tick (shared by every client's encoder); the
 * client applies a decoded state to its world by diffing it with the last state it applied —
 * spawning, despawning and writing only the fields whose quantized value changed.
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
import { wasmApplyFor } from "./codec/wasm/wasmApply";
import { wasmKernels } from "./codec/wasm/wasmKernels";
import {
  componentMasks,
  layoutOf,
  seenStamps,
  shadowOf,
  type FieldLayout,
} from "./codec/kernels/worldLayout";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function (or read of an imported constant) is a getter call.
const NO_ENTITY = NONE;
const addComponentLocal = addComponent;
const addEntityLocal = addEntity;
const hasComponentLocal = hasComponent;
const removeComponentLocal = removeComponent;
const removeEntityLocal = removeEntity;

/**
 * Makes `out` hold the replicated components of exactly `entities` (quantized), keeping it from
 * tick to tick: a row that did not change keeps its version, a changed or new one gets a new
 * version, and entities no longer listed are removed. Every entity needs a network id in `map`
 * (allocate one when it becomes networked); a missing one throws.
 */
export function captureWorld(
  world: World,
  registry: ReplicationRegistry,
  entities: ArrayLike<number>,
  map: EntityMap,
  out: SnapshotState,
  tick: number,
): void {
  const stamp = captureEntities(world, registry, entities, map, out, tick);
  const seen = seenStamps(out);
  for (let id = 0; id < out.highWater; id++) {
    if (out.present[id] === 1 && seen[id] !== stamp) out.remove(id);
  }
}

/**
 * Re-captures only `entities` into `out` (for callers that track which entities changed); others
 * are left as they are; remove despawned ones with `out.remove(netId)`. Returns the capture stamp.
 */
export function captureEntities(
  world: World,
  registry: ReplicationRegistry,
  entities: ArrayLike<number>,
  map: EntityMap,
  out: SnapshotState,
  tick: number,
): number {
  out.tick = tick;
  out.versioned = true;
  const stride = out.stride;
  const plan = layoutOf(registry);
  const fieldCount = plan.components.length;
  const { components, bindings, offsets, widths, fullMask } = plan;
  const values = out.values;
  const present = out.present;
  const masks = out.mask;
  const row = scratchRow(stride);
  const seen = seenStamps(out);
  const stamp = (seen.stamp = (seen.stamp + 1) >>> 0 || 1);
  const kernel = plan.kernels;
  if (kernel !== undefined && componentMasks(world, plan)) {
    const shadow = shadowOf(out, plan.singleShadow);
    kernel.capture(
      world,
      entities,
      map,
      out,
      seen,
      stamp,
      plan.hasMasks,
      plan.hasFlags,
      shadow,
      missingNetId,
    );
    return stamp;
  }
  out.revision++; // values written without the shadow: forget it
  for (let i = 0; i < entities.length; i++) {
    const eid = entities[i] as number;
    const netId = map.netIdOf(eid);
    if (netId === NO_ENTITY) missingNetId(eid);
    seen[netId] = stamp;
    let mask = 0;
    for (let f = 0; f < fieldCount; f++) {
      if (!hasComponentLocal(world, eid, components[f])) continue;
      mask |= 1 << f;
      (bindings[f] as ComponentBinding).quantize(eid, row, offsets[f] as number);
    }
    const o = netId * stride;
    // Write the changed slots in place; a row that was present with the same mask and no changed
    // slot keeps its version.
    let changed = present[netId] !== 1 || masks[netId] !== mask;
    if (mask === fullMask) {
      for (let s = 0; s < stride; s++) {
        const v = row[s] as number;
        if (values[o + s] !== v) {
          values[o + s] = v;
          changed = true;
        }
      }
    } else {
      for (let f = 0; f < fieldCount; f++) {
        if ((mask & (1 << f)) === 0) continue;
        const end = (offsets[f] as number) + (widths[f] as number);
        for (let s = offsets[f] as number; s < end; s++) {
          const v = row[s] as number;
          if (values[o + s] !== v) {
            values[o + s] = v;
            changed = true;
          }
        }
      }
    }
    if (!changed) continue;
    out.setPresent(netId, mask);
    out.versionCounter = (out.versionCounter + 1) >>> 0 || 1;
    out.version[netId] = out.versionCounter;
  }
  return stamp;
}

function missingNetId(eid: number): never {
  throw new Error(
    `captureWorld: entity ${eid} has no network id; allocate one with NetworkIdAllocator.allocate first.`,
  );
}

let scratch = new Int32Array(64);
function scratchRow(stride: number): Int32Array {
  if (scratch.length < stride) scratch = new Int32Array(stride);
  return scratch;
}

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
  const layout = layoutOf(registry);
  const hw = Math.max(next.highWater, prev?.highWater ?? 0);
  const c = applyContext;
  const saved = c.layout === undefined ? undefined : { ...c };
  c.world = world;
  c.layout = layout;
  c.prev = prev;
  c.next = next;
  c.map = map;
  c.hooks = hooks;
  c.result = result;
  const pool = next.pool;
  const wasm =
    wasmKernels.enabled &&
    pool !== undefined &&
    next.registry === registry &&
    (prev === undefined || prev.pool === pool)
      ? wasmApplyFor(registry, pool)
      : undefined;
  // The kernel's count is added after the call: `result.updated += kernel(...)` would read the
  // count before the call and drop the updates applyOther counts during it (ids whose fields changed).
  if (wasm !== undefined) {
    const updated = wasm.apply(prev, next, map, hw, applyOther);
    result.updated += updated;
  } else if (layout.kernels !== undefined) {
    const updated = layout.kernels.apply(prev, next, map, hw, applyOther);
    result.updated += updated;
  } else {
    for (let id = 0; id < hw; id++) applyOther(id);
  }
  if (saved !== undefined) Object.assign(c, saved);
  else c.world = c.layout = c.prev = c.next = c.map = undefined;
  return result;
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
