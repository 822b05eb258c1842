/**
 * Whether bitECS can have changed the membership words of a registry's components in a world since
 * the wasm capture last copied them (codec/wasm/captureMaskCopies.ts): bitECS 0.4 writes those words
 * only in addComponent, removeComponent and removeEntity, which run the components' queries for
 * every entity but a prefab, so an onAdd/onRemove observer per watched component counts the changes.
 */
import { $internal, observe, onAdd, onRemove, Prefab, type InternalWorld, type World } from "bitecs";

// Read per capture: module-local references (tsx/esbuild's CommonJS output reads imported bindings through getters).
const INTERNAL: typeof $internal = $internal;
const PREFAB = Prefab;

/**
 * Per world, what bitECS signalled of its replicated components' membership: `revision` counts the
 * onAdd/onRemove events of every watched component (added or removed on an entity, an entity with
 * one removed), from the component map `map` (resetWorld replaces it and its queries); `prefab`:
 * that map has bitECS's Prefab registered (then addComponent on a prefab writes its membership
 * word without running queries: no signal).
 */
interface MembershipWatch {
  revision: number;
  map: Map<unknown, unknown> | undefined;
  size: number;
  prefab: boolean;
  readonly watched: Set<unknown>;
  readonly bump: () => void;
}

const watches = new WeakMap<World, MembershipWatch>();
/**
 * The last world and component list membershipRevision watched (a one-entry cache of `watches`;
 * it keeps that one world reachable until a capture of another).
 */
let lastWorld: World | undefined;
let lastComponents: readonly unknown[] | undefined;
let lastWatch: MembershipWatch | undefined;

/**
 * A number that stays the same while no membership word of `components` in `world` can have
 * changed (bitECS writes those words only in addComponent, removeComponent and removeEntity, which
 * run the components' queries on every entity but a prefab), or -1 when there is no such signal (a
 * world with prefabs, or not of the bitecs 0.4 shape): the wasm capture then copies the words
 * every call (captureTables.ts). Watching registers the components and one query each in the world.
 */
export function membershipRevision(world: World, components: readonly unknown[]): number {
  const ctx = (world as Partial<InternalWorld>)[INTERNAL];
  let w = lastWatch;
  // The last world and components with the component map watched then (a Map: no instanceof test).
  if (world === lastWorld && components === lastComponents && w !== undefined && ctx !== undefined) {
    const map = ctx.componentMap;
    if (map === w.map && map.size === w.size) return w.prefab ? -1 : w.revision;
  }
  if (ctx === undefined || !(ctx.componentMap instanceof Map)) return -1;
  let fresh = false;
  if (world !== lastWorld || components !== lastComponents || w === undefined) {
    w = watches.get(world);
    if (w === undefined) {
      const made: MembershipWatch = {
        revision: 0,
        map: undefined,
        size: -1,
        prefab: true,
        watched: new Set(),
        bump: () => void made.revision++,
      };
      w = made;
      watches.set(world, w);
    }
    lastWorld = world;
    lastComponents = components;
    lastWatch = w;
    fresh = true;
  }
  if (ctx.componentMap !== w.map || (fresh && !watchesAll(w, components))) watch(world, w, components);
  const map = ctx.componentMap;
  if (map.size !== w.size) {
    w.size = map.size;
    w.prefab = map.has(PREFAB);
  }
  return w.prefab ? -1 : w.revision;
}

/** True when `w` watches every one of `components`. */
function watchesAll(w: MembershipWatch, components: readonly unknown[]): boolean {
  for (let i = 0; i < components.length; i++) if (!w.watched.has(components[i])) return false;
  return true;
}

/** Subscribes `w.bump` to onAdd and onRemove of each of `components` not watched in this component map. */
function watch(world: World, w: MembershipWatch, components: readonly unknown[]): void {
  const ctx = (world as InternalWorld)[INTERNAL];
  if (ctx.componentMap !== w.map) {
    w.map = ctx.componentMap; // a new map (resetWorld): nothing of it is watched
    w.watched.clear();
    w.size = -1;
    w.revision++;
  }
  for (const c of components) {
    if (w.watched.has(c)) continue;
    observe(world, onAdd(c), w.bump);
    observe(world, onRemove(c), w.bump);
    w.watched.add(c);
    w.revision++;
  }
  w.map = ctx.componentMap;
  w.size = -1;
}
