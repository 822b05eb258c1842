import type { AppWorld } from "../world";

/** A system: a plain function over the app's world. Systems never await. */
export type System = (world: AppWorld) => void;

/** A run condition: the system (or every system of a set) runs only when it returns true. */
export type Condition = (world: AppWorld) => boolean;

/** A named group of systems that plugins order against each other (`before`/`after`, chains). */
export interface SystemSet {
  readonly kind: "set";
  readonly name: string;
}

/** Defines a system set. Names are for messages and docs; identity is the returned object. */
export function defineSet(name: string): SystemSet {
  return { kind: "set", name };
}

/** Something a system or set can be ordered against: a set, or a system function. */
export type OrderTarget = SystemSet | System;

/** How a system is added to a stage. A bare function is shorthand for `{ run: fn }`. */
export interface SystemConfig {
  /** The system function. */
  run: System;
  /** Name used in errors and diagnostics; defaults to the function's name. */
  name?: string;
  /** Sets the system belongs to. */
  in?: SystemSet | readonly SystemSet[];
  /** Run before these sets or systems. */
  before?: OrderTarget | readonly OrderTarget[];
  /** Run after these sets or systems. */
  after?: OrderTarget | readonly OrderTarget[];
  /** Run only when every condition returns true. */
  runIf?: Condition | readonly Condition[];
}

/** How a set is configured within one stage. */
export interface SetConfig {
  set: SystemSet;
  /** Parent sets: this set's systems are members of the parents too. */
  in?: SystemSet | readonly SystemSet[];
  before?: OrderTarget | readonly OrderTarget[];
  after?: OrderTarget | readonly OrderTarget[];
  /** Every system in the set runs only when every condition returns true (evaluated once per run). */
  runIf?: Condition | readonly Condition[];
}

/** Sets that run one after another, in the given order. Build with {@link chain}. */
export interface SetChain {
  readonly kind: "chain";
  readonly sets: readonly SystemSet[];
}

/** Orders sets one after another: `app.configureSets(Stage.PostUpdate, chain(PrepareSend, Send))`. */
export function chain(...sets: SystemSet[]): SetChain {
  return { kind: "chain", sets };
}

/** Normalises an optional value-or-array into an array. */
export function toArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** True when `target` is a {@link SystemSet} rather than a system function. */
export function isSet(target: OrderTarget): target is SystemSet {
  return typeof target === "object";
}
