import { createWorld, type World } from "bitecs";
import { Resources, type ResourceKey } from "./resource";

/** What Canopy stores on every bitECS world it creates (bitECS 0.4 worlds carry a user context). */
export interface AppContext {
  /** The app's resource table. */
  readonly resources: Resources;
}

/** The bitECS world an app owns; systems receive it. */
export type AppWorld = World<AppContext>;

/** Creates a bitECS world with an empty resource table. */
export function createAppWorld(): AppWorld {
  return createWorld<AppContext>({ resources: new Resources() });
}

/** The resource table of a world created by an app. */
export function resources(world: AppWorld): Resources {
  return world.resources;
}

/** Reads a resource from a system; throws a readable error when nothing inserted it. */
export function getResource<T>(world: AppWorld, key: ResourceKey<T>): T {
  return world.resources.get(key);
}

/** Reads a resource, or `undefined` when absent. */
export function tryGetResource<T>(world: AppWorld, key: ResourceKey<T>): T | undefined {
  return world.resources.tryGet(key);
}
