/**
 * The server's per-network-id authority table (client authority): for each network id of this
 * tick's capture, the client slot with client authority over that entity, −1 for the rest
 * (`FieldExclusion.bySlot`: `sendSnapshots` leaves each owner's upstream fields out of its own
 * snapshots, and `receiveOwnedState` reads it to refuse upstream from a client that has no such
 * entity). Kept in step with the capture at a cost proportional to the entities `setOwner` gave
 * client authority — not to every id: nothing at all when no entity has it. `setOwner` lists each
 * entity it gives client authority (`add`); each tick `refresh` clears the ids it wrote last time,
 * reads each listed entity's authority from the capture (`authorityInState`, as a full pass over
 * the ids would), and forgets an entity once neither the capture nor the world gives it client
 * authority any more (revoked, despawned, never networked again).
 */
import { entityExists, type World } from "bitecs";
import type { SnapshotState } from "../codec/snapshotState";
import { NONE, type EntityMap } from "../entityMap";
import type { ReplicatedField } from "../registry";
import { EntityList } from "./entityList";
import { authorityInState, readAuthority, SERVER_OWNER, type OwnerComponent } from "./ownership";

/** The entities with client authority and the ids they hold in the last capture. */
export class AuthorityTable {
  /** Entities `setOwner` gave client authority, until they have it neither in the capture nor in the world. */
  private readonly entities = new EntityList();
  /** Membership of `entities` (one entry per entity however often it is granted). */
  private readonly listed = new Set<number>();
  /** The network ids with client authority in the last capture (`bySlot` ≥ 0 exactly there). */
  readonly ids: Int32Array;
  /** How many of `ids` are in use. */
  count = 0;

  constructor(capacity: number) {
    this.ids = new Int32Array(capacity);
  }

  /** True when some entity has (or may have) client authority: `refresh` has work. */
  get active(): boolean {
    return this.count > 0 || this.entities.length > 0;
  }

  /** Lists `eid`, just given client authority (`setOwner`). */
  add(eid: number): void {
    if (this.listed.has(eid)) return;
    this.listed.add(eid);
    this.entities.push(eid);
  }

  /**
   * Rewrites `bySlot` for the capture `state` (entity ↔ id bindings in `map`): −1 at the ids
   * written last time, then each listed entity's client-authority slot at its id.
   */
  refresh(
    world: World,
    state: SnapshotState,
    map: EntityMap,
    owner: OwnerComponent,
    ownerField: ReplicatedField,
    authorityField: ReplicatedField,
    bySlot: Int32Array,
  ): void {
    const ids = this.ids;
    for (let i = 0; i < this.count; i++) bySlot[ids[i] as number] = SERVER_OWNER;
    let n = 0;
    const list = this.entities;
    let i = 0;
    while (i < list.length) {
      const eid = list[i] as number;
      const id = map.netIdOf(eid);
      const slot =
        id === NONE || state.present[id] !== 1
          ? SERVER_OWNER
          : authorityInState(state, ownerField, authorityField, id);
      if (slot !== SERVER_OWNER) {
        bySlot[id] = slot;
        ids[n++] = id;
        i++;
      } else if (entityExists(world, eid) && readAuthority(world, owner, eid) !== SERVER_OWNER) {
        i++; // given client authority but not captured with it yet (not networked, or not marked)
      } else {
        // Swap-remove: authority is over for this entity (granted again, it is listed again).
        list[i] = list[list.length - 1] as number;
        list.length--;
        this.listed.delete(eid);
      }
    }
    this.count = n;
  }

  /** True when client `slot` has client authority over some entity of the last capture. */
  hasClient(bySlot: Int32Array, slot: number): boolean {
    const ids = this.ids;
    for (let i = 0; i < this.count; i++) if (bySlot[ids[i] as number] === slot) return true;
    return false;
  }
}
