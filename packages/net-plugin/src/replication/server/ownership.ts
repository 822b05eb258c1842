/**
 * Ownership: which connection controls an entity, and whether that connection is its authority.
 * Both are replicated fields, so every client sees them in its snapshots: `canopy.owner` (the
 * owning client's slot, or −1 for the server) and `canopy.authority` (1 when the owning client is
 * the authority for the entity's replicated state: it sends that state up, the server validates
 * and applies it — docs/REPLICATION.md "Client authority"). The NetPlugin registers both last in
 * the app's registry. Components live per app (server and client apps in one process must not
 * share storage), so the components are made per registry.
 */
import { addComponent, hasComponent, type World } from "bitecs";
import type { SnapshotState } from "../codec/snapshotState";
import type { ReplicationRegistry, ReplicatedField } from "../registry";
import { IntTemplate } from "../templates/intTemplate";

/** The server (or no client) owns the entity. */
export const SERVER_OWNER = -1;
/** Name of the ownership field in the registry and the protocol hash. */
export const OWNER_FIELD_NAME = "canopy.owner";
/** Name of the authority field (1 = the owning client is the authority) in the registry and the hash. */
export const AUTHORITY_FIELD_NAME = "canopy.authority";
/** Highest client slot an owner may name (NetServer slots are 0..65534). */
const MAX_OWNER_SLOT = 65534;

/** Who is the authority for an entity's replicated state: the server (default) or its owning client. */
export type Authority = "server" | "client";

/** The per-app ownership components: `client[eid]` is the owning slot (−1 = server), `authority[eid]` 1 for client authority. */
export interface OwnerComponent {
  readonly client: number[];
  readonly authority: number[];
}

/** The registered ownership fields of `registry`, registering them (last) when missing. */
export function ensureOwnerField(registry: ReplicationRegistry): {
  field: ReplicatedField;
  authorityField: ReplicatedField;
  component: OwnerComponent;
} {
  const existing = registry.fields.find((f) => f.name === OWNER_FIELD_NAME);
  const existingAuthority = registry.fields.find((f) => f.name === AUTHORITY_FIELD_NAME);
  if (existing !== undefined && existingAuthority !== undefined) {
    const component = {
      client: existing.component as number[],
      authority: existingAuthority.component as number[],
    };
    return { field: existing, authorityField: existingAuthority, component };
  }
  const component: OwnerComponent = { client: [], authority: [] };
  const field = registry.replicate(
    component.client,
    IntTemplate({ min: SERVER_OWNER, max: MAX_OWNER_SLOT }),
    {
      name: OWNER_FIELD_NAME,
      latencyTolerance: 0.5,
    },
  );
  const authorityField = registry.replicate(component.authority, IntTemplate({ min: 0, max: 1 }), {
    name: AUTHORITY_FIELD_NAME,
    latencyTolerance: 0.5,
  });
  return { field, authorityField, component };
}

/**
 * Gives `eid` to client slot `client` (or `SERVER_OWNER`) with `authority` (default "server");
 * adds the components when missing. Client authority needs a client owner.
 */
export function writeOwner(
  world: World,
  owner: OwnerComponent,
  eid: number,
  client: number,
  authority: Authority = "server",
): void {
  if (!Number.isInteger(client) || client < SERVER_OWNER || client > MAX_OWNER_SLOT) {
    throw new RangeError(
      `setOwner: client must be a slot 0..${MAX_OWNER_SLOT} or SERVER_OWNER (−1), got ${client}.`,
    );
  }
  if (authority !== "server" && authority !== "client") {
    throw new RangeError(`setOwner: authority must be "server" or "client", got ${String(authority)}.`);
  }
  if (authority === "client" && client === SERVER_OWNER) {
    throw new RangeError(
      `setOwner: client authority needs a client owner; pass a client slot, or authority "server" for SERVER_OWNER.`,
    );
  }
  if (!hasComponent(world, eid, owner.client)) addComponent(world, eid, owner.client);
  owner.client[eid] = client;
  if (authority === "client") {
    if (!hasComponent(world, eid, owner.authority)) addComponent(world, eid, owner.authority);
    owner.authority[eid] = 1;
  } else if (hasComponent(world, eid, owner.authority)) owner.authority[eid] = 0;
}

/** The owning slot of `eid`, or `SERVER_OWNER` when it has no owner. */
export function readOwner(world: World, owner: OwnerComponent, eid: number): number {
  return hasComponent(world, eid, owner.client) ? (owner.client[eid] ?? SERVER_OWNER) : SERVER_OWNER;
}

/** The client slot owning network id `netId` in the quantized `state` (−1: absent, no owner, or the server). */
export function ownerInState(state: SnapshotState, ownerField: ReplicatedField, netId: number): number {
  if (state.present[netId] !== 1 || ((state.mask[netId] as number) & (1 << ownerField.index)) === 0)
    return SERVER_OWNER;
  // Quantized as value − min, min = SERVER_OWNER (−1).
  return (state.values[netId * state.stride + ownerField.offset] as number) + SERVER_OWNER;
}

/** The client slot with client authority over network id `netId` in the quantized `state`, or −1. */
export function authorityInState(
  state: SnapshotState,
  ownerField: ReplicatedField,
  authorityField: ReplicatedField,
  netId: number,
): number {
  if (((state.mask[netId] as number) & (1 << authorityField.index)) === 0) return SERVER_OWNER;
  if (state.values[netId * state.stride + authorityField.offset] !== 1) return SERVER_OWNER;
  return ownerInState(state, ownerField, netId);
}

/** The client slot that is the authority for `eid` (its owner, with client authority), or −1. */
export function readAuthority(world: World, owner: OwnerComponent, eid: number): number {
  if (!hasComponent(world, eid, owner.authority) || owner.authority[eid] !== 1) return SERVER_OWNER;
  return readOwner(world, owner, eid);
}
