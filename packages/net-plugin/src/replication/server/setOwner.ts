/**
 * Ownership on the server: `setOwner(world, eid, client, { authority })` gives a replicated entity
 * to a client slot (`SERVER_OWNER` takes it back), optionally with client authority (the owner
 * then sends the entity's replicated state, see receiveOwnedState); clients read it with
 * `ownerOf` / `isLocallyOwned` / `hasAuthority`.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { readAuthority, readOwner, writeOwner, type Authority } from "./ownership";
import { markChanged } from "./markChanged";
import { ServerReplication } from "./serverReplication";

/** Options of {@link setOwner}. */
export interface SetOwnerOptions {
  /** "server" (default): the server's values replicate; "client": the owner sends them up. */
  authority?: Authority;
}

/** Makes client slot `client` (or `SERVER_OWNER`, −1) the owner of server entity `eid`. */
export function setOwner(world: AppWorld, eid: number, client: number, options?: SetOwnerOptions): void {
  const s = getResource(world, ServerReplication);
  writeOwner(world, s.owner, eid, client, options?.authority);
  // Listed until it loses client authority: each tick reads its owner from the capture (the
  // owner's own fields are not sent back to it).
  if (options?.authority === "client") s.authority.add(eid);
  // Ownership is replicated: with "marked" change detection the entity must be captured again.
  markChanged(world, eid);
}

/** The client slot owning server entity `eid`, or `SERVER_OWNER` (−1). */
export function serverOwnerOf(world: AppWorld, eid: number): number {
  return readOwner(world, getResource(world, ServerReplication).owner, eid);
}

/** The client slot with authority over server entity `eid` (its owner with client authority), or −1. */
export function serverAuthorityOf(world: AppWorld, eid: number): number {
  return readAuthority(world, getResource(world, ServerReplication).owner, eid);
}
