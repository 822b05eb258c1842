/**
 * Ownership: which connection controls an entity. It is a replicated field (`canopy.owner`, the
 * owning client's slot, or −1 for the server), so every client sees it in its snapshots; the
 * NetPlugin registers it last in the app's registry. Components live per app (server and client
 * apps in one process must not share storage), so the component is made per registry.
 */
import { addComponent, hasComponent, type World } from "bitecs";
import type { ReplicationRegistry, ReplicatedField } from "../registry";
import { IntTemplate } from "../templates/intTemplate";

/** The server (or no client) owns the entity. */
export const SERVER_OWNER = -1;
/** Name of the ownership field in the registry and the protocol hash. */
export const OWNER_FIELD_NAME = "canopy.owner";
/** Highest client slot an owner may name (NetServer slots are 0..65534). */
const MAX_OWNER_SLOT = 65534;

/** The per-app ownership component: `client[eid]` is the owning slot (−1 = server). */
export interface OwnerComponent {
  readonly client: number[];
}

/** The registered ownership field of `registry`, registering it (last) when missing. */
export function ensureOwnerField(registry: ReplicationRegistry): {
  field: ReplicatedField;
  component: OwnerComponent;
} {
  const existing = registry.fields.find((f) => f.name === OWNER_FIELD_NAME);
  if (existing !== undefined)
    return { field: existing, component: { client: existing.component as number[] } };
  const component: OwnerComponent = { client: [] };
  const field = registry.replicate(
    component.client,
    IntTemplate({ min: SERVER_OWNER, max: MAX_OWNER_SLOT }),
    {
      name: OWNER_FIELD_NAME,
      latencyTolerance: 0.5,
    },
  );
  return { field, component };
}

/** Gives `eid` to client slot `client` (or `SERVER_OWNER`); adds the component when missing. */
export function writeOwner(world: World, owner: OwnerComponent, eid: number, client: number): void {
  if (!Number.isInteger(client) || client < SERVER_OWNER || client > MAX_OWNER_SLOT) {
    throw new RangeError(
      `setOwner: client must be a slot 0..${MAX_OWNER_SLOT} or SERVER_OWNER (−1), got ${client}.`,
    );
  }
  if (!hasComponent(world, eid, owner.client)) addComponent(world, eid, owner.client);
  owner.client[eid] = client;
}

/** The owning slot of `eid`, or `SERVER_OWNER` when it has no owner. */
export function readOwner(world: World, owner: OwnerComponent, eid: number): number {
  return hasComponent(world, eid, owner.client) ? (owner.client[eid] ?? SERVER_OWNER) : SERVER_OWNER;
}
