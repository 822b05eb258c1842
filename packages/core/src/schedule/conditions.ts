import type { ResourceKey } from "../resource";
import { resources } from "../world";
import type { Condition } from "./systemSet";

/** Run only when the resource has been inserted. */
export function resourceExists<T>(key: ResourceKey<T>): Condition {
  return (world) => resources(world).has(key);
}

/** Run only when `predicate` holds for the resource's value (false when it is absent). */
export function resourceMatches<T>(key: ResourceKey<T>, predicate: (value: T) => boolean): Condition {
  return (world) => {
    const value = resources(world).tryGet(key);
    return value !== undefined && predicate(value);
  };
}

/** Negates a condition. */
export function not(condition: Condition): Condition {
  return (world) => !condition(world);
}

/** True when every condition is true. */
export function and(...conditions: Condition[]): Condition {
  return (world) => conditions.every((c) => c(world));
}

/** True when any condition is true. */
export function or(...conditions: Condition[]): Condition {
  return (world) => conditions.some((c) => c(world));
}
