/**
 * Ownership on the client: which connection controls a replicated entity, read from the
 * replicated `canopy.owner` field (`SERVER_OWNER`, −1, when the server keeps it), and whether
 * this client is its authority (`canopy.authority`: it sends the entity's state up).
 */
import { getResource, type AppWorld } from "@canopy/core";
import { hasComponent } from "bitecs";
import { readOwner } from "../server/ownership";
import { ClientReplication } from "./clientReplication";

/** The client slot owning local entity `eid`, or `SERVER_OWNER` (−1). */
export function ownerOf(world: AppWorld, eid: number): number {
  return readOwner(world, getResource(world, ClientReplication).owner, eid);
}

/** True when this client's connection owns local entity `eid`. */
export function isLocallyOwned(world: AppWorld, eid: number): boolean {
  const s = getResource(world, ClientReplication);
  return s.client.clientIndex >= 0 && readOwner(world, s.owner, eid) === s.client.clientIndex;
}

/**
 * True when this client owns local entity `eid` with client authority: its replicated fields are
 * this client's to change (sent up by `sendOwnedState`, never overwritten by server snapshots).
 */
export function hasAuthority(world: AppWorld, eid: number): boolean {
  const s = getResource(world, ClientReplication);
  const authority = s.owner.authority;
  return isLocallyOwned(world, eid) && hasComponent(world, eid, authority) && authority[eid] === 1;
}
