/**
 * The bridge between a bitECS world and snapshot states: the server quantizes its replicated
 * entities into a {@link SnapshotState} once per tick (shared by every client's encoder); the
 * client applies a decoded state to its world by diffing it with the last state it applied —
 * spawning, despawning and writing only the fields whose quantized value changed.
 */
import { addComponent, addEntity, hasComponent, removeComponent, removeEntity, type World } from "bitecs";
import { NONE, type EntityMap } from "./entityMap";
import type { ReplicationRegistry } from "./registry";
import type { SnapshotState } from "./codec/snapshotState";

/**
 * Quantizes the replicated components of `entities` into `out` (cleared first). Every entity needs
 * a network id in `map` (allocate one when it becomes networked); a missing one throws.
 */
export function captureWorld(
  world: World,
  registry: ReplicationRegistry,
  entities: ArrayLike<number>,
  map: EntityMap,
  out: SnapshotState,
  tick: number,
): void {
  out.clear();
  out.tick = tick;
  const stride = out.stride;
  const fields = registry.fields;
  for (let i = 0; i < entities.length; i++) {
    const eid = entities[i] as number;
    const netId = map.netIdOf(eid);
    if (netId === NONE) {
      throw new Error(
        `captureWorld: entity ${eid} has no network id; allocate one with NetworkIdAllocator.allocate first.`,
      );
    }
    let mask = 0;
    const row = netId * stride;
    for (const f of fields) {
      if (!hasComponent(world, eid, f.component)) continue;
      mask |= 1 << f.index;
      f.binding.quantize(eid, out.values, row + f.offset);
    }
    out.setPresent(netId, mask);
  }
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
  hooks: ApplyHooks = {},
  result: ApplyResult = { spawned: 0, despawned: 0, updated: 0 },
): ApplyResult {
  result.spawned = result.despawned = result.updated = 0;
  const stride = next.stride;
  const fields = registry.fields;
  const hw = Math.max(next.highWater, prev?.highWater ?? 0);
  for (let id = 0; id < hw; id++) {
    const was = prev !== undefined && prev.present[id] === 1;
    const is = next.present[id] === 1;
    if (!is) {
      if (!was) continue;
      const eid = map.unbindNet(id);
      if (eid !== NONE) {
        hooks.onDespawn?.(eid, id);
        removeEntity(world, eid);
        result.despawned++;
      }
      continue;
    }
    let eid = map.entityOf(id);
    const mask = next.mask[id] as number;
    const oldMask = was && eid !== NONE ? (prev.mask[id] as number) : 0;
    const fresh = eid === NONE;
    if (fresh) {
      eid = addEntity(world);
      map.bind(id, eid);
    }
    const row = id * stride;
    let wrote = false;
    for (const f of fields) {
      const bit = 1 << f.index;
      const component = f.component as object;
      if ((mask & bit) === 0) {
        if ((oldMask & bit) !== 0) removeComponent(world, eid, component);
        continue;
      }
      const o = row + f.offset;
      const added = (oldMask & bit) === 0;
      if (added && !hasComponent(world, eid, component)) addComponent(world, eid, component);
      if (added || prev === undefined || !sameSlots(next.values, prev.values, o, f.template.width)) {
        f.binding.apply(eid, next.values, o);
        wrote = true;
      }
    }
    if (fresh) {
      result.spawned++;
      hooks.onSpawn?.(eid, id);
    } else if (wrote) result.updated++;
  }
  return result;
}

function sameSlots(a: Int32Array, b: Int32Array, offset: number, width: number): boolean {
  for (let s = 0; s < width; s++) if (a[offset + s] !== b[offset + s]) return false;
  return true;
}
