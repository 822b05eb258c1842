/**
 * The ECS side of a Replicator's StateTemplate: one bitECS component per declared value (an array
 * indexed by entity, of objects for vector-like templates and of scalars otherwise), registered on
 * the `ReplicationRegistry` so the normal snapshot systems replicate it (both ways: a client's
 * state entity is client-authoritative). Moves `State`s in and out of an entity's components.
 */
import type { ReplicationRegistry } from "../../replication/registry";
import type { StateTemplate } from "./stateTemplate";
import { State } from "./state";

type Storage = unknown[];

/** Components of a StateTemplate and the State ↔ entity moves. */
export class StateStore {
  /** One component per declared value, in order. */
  readonly components: readonly Storage[];

  constructor(
    private readonly template: StateTemplate,
    registry: ReplicationRegistry,
    maxEntities: number,
  ) {
    this.components = template.declarations.map((d) => {
      const t = d.template;
      const storage: Storage =
        t.channels === undefined
          ? new Array<unknown>(maxEntities).fill(t.createValue())
          : Array.from({ length: maxEntities }, () => t.createValue());
      registry.replicate(storage, t, { ...d.options, name: d.name });
      return storage;
    });
  }

  /** Throws unless `state` holds one value per declaration. */
  check(state: State): void {
    const n = this.template.declarations.length;
    if (state.values.length !== n)
      throw new RangeError(
        `Replicator.setSendState: the state holds ${state.values.length} values but the StateTemplate declares ${n}; pack one value per declaration.`,
      );
  }

  /** Writes `state`'s values into entity `eid`'s components. */
  write(eid: number, state: State): void {
    this.template.declarations.forEach((d, i) => {
      const storage = this.components[i] as Storage;
      const value = state.values[i];
      if (d.template.channels === undefined) storage[eid] = value;
      else Object.assign(storage[eid] as object, value);
    });
  }

  /** A State with entity `eid`'s current component values. */
  read(eid: number): State {
    const state = new State().packBegin();
    for (const storage of this.components) state.pack(storage[eid]);
    return state;
  }
}
