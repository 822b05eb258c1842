/**
 * The ECS side of a Replicator's StateTemplate: one bitECS component per declared value (an array
 * indexed by entity, of objects for vector-like templates and of scalars otherwise), registered on
 * the `ReplicationRegistry` so the normal snapshot systems replicate it. Moves `State`s in and out
 * of an entity's components, and packs a State into bytes (client → server upload) with the
 * templates' own `pack`/`unpack` (check on read: bad bytes give `false`, never a throw).
 */
import { BitReader } from "../../protocol/bitReader";
import { BitWriter } from "../../protocol/bitWriter";
import type { ReplicationRegistry } from "../../replication/registry";
import type { StateTemplate } from "./stateTemplate";
import { State } from "./state";

type Storage = unknown[];

/** Components of a StateTemplate and the State ↔ entity moves. */
export class StateStore {
  /** One component per declared value, in order. */
  readonly components: readonly Storage[];
  private readonly writer: BitWriter;
  private readonly reader = new BitReader();

  constructor(
    private readonly template: StateTemplate,
    registry: ReplicationRegistry,
    maxEntities: number,
  ) {
    let maxBits = 0;
    this.components = template.declarations.map((d) => {
      const t = d.template;
      maxBits += t.maxPackedBits;
      const storage: Storage =
        t.channels === undefined
          ? new Array<unknown>(maxEntities).fill(t.createValue())
          : Array.from({ length: maxEntities }, () => t.createValue());
      registry.replicate(storage, t, { ...d.options, name: d.name });
      return storage;
    });
    this.writer = new BitWriter(Math.ceil(maxBits / 8) + 8);
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

  /** Packs `state` with the templates (quantized) into fresh bytes. */
  encode(state: State): Uint8Array {
    this.writer.reset();
    this.template.declarations.forEach((d, i) => d.template.pack(this.writer, state.values[i]));
    return this.writer.finish().slice();
  }

  /** Unpacks `bytes` into entity `eid`'s components; false (nothing written) when they are invalid. */
  decodeInto(bytes: Uint8Array, eid: number): boolean {
    this.reader.reset(bytes);
    const values: unknown[] = [];
    for (const d of this.template.declarations) {
      const v = d.template.unpack(this.reader);
      if (v === undefined || this.reader.overflowed) return false;
      values.push(v);
    }
    const state = new State().packBegin();
    for (const v of values) state.pack(v);
    this.write(eid, state);
    return true;
  }
}
