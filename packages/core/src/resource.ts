/**
 * Typed resources: singletons that live beside the ECS world (time, configuration, the network
 * connection, the online session...). A resource is identified by a key made with
 * {@link defineResource}; its type travels with the key, so `getResource(world, Time)` is typed.
 */

let nextResourceId = 0;

/** The key of a resource of type `T`. Create one per resource with {@link defineResource}. */
export interface ResourceKey<T> {
  readonly id: number;
  readonly name: string;
  /** Builds the default value for `app.initResource`; absent when the resource has no default. */
  readonly init: (() => T) | undefined;
  /** Phantom field that carries `T`; never read. */
  readonly __type?: T;
}

/**
 * Defines a resource key. `name` appears in error messages; `init` (optional) builds the default
 * value used by `app.initResource(key)`.
 */
export function defineResource<T>(name: string, init?: () => T): ResourceKey<T> {
  return { id: nextResourceId++, name, init };
}

/** Thrown when a resource is read before anything inserted it. */
export class MissingResourceError extends Error {
  constructor(readonly resource: string) {
    super(
      `Resource "${resource}" is missing: insert it with app.insertResource(${resource}, value) ` +
        `or add the plugin that provides it before the first update.`,
    );
    this.name = "MissingResourceError";
  }
}

const ABSENT: unique symbol = Symbol("absent");

/** The resource table of one app. Lookups are an array index, cheap enough for every system call. */
export class Resources {
  private readonly values: unknown[] = [];

  insert<T>(key: ResourceKey<T>, value: T): T {
    this.values[key.id] = value;
    return value;
  }

  /** Inserts the key's default value unless the resource is already present; returns the value. */
  init<T>(key: ResourceKey<T>): T {
    if (this.has(key)) return this.get(key);
    if (!key.init) {
      throw new Error(`Resource "${key.name}" has no default value: insert one with app.insertResource.`);
    }
    return this.insert(key, key.init());
  }

  has<T>(key: ResourceKey<T>): boolean {
    const value = this.values[key.id];
    return value !== undefined && value !== ABSENT;
  }

  /** The value of `key`; throws {@link MissingResourceError} when it was never inserted. */
  get<T>(key: ResourceKey<T>): T {
    const value = this.values[key.id];
    if (value === undefined || value === ABSENT) throw new MissingResourceError(key.name);
    return value as T;
  }

  /** The value of `key`, or `undefined` when absent. */
  tryGet<T>(key: ResourceKey<T>): T | undefined {
    const value = this.values[key.id];
    return value === ABSENT ? undefined : (value as T | undefined);
  }

  /** Removes a resource and returns its value (or `undefined` when it was absent). */
  remove<T>(key: ResourceKey<T>): T | undefined {
    const value = this.tryGet(key);
    this.values[key.id] = ABSENT;
    return value;
  }
}
