/**
 * Ownership on the server: `setOwner(world, eid, client)` gives a replicated entity to a client
 * slot (`SERVER_OWNER` takes it back); clients read it with `ownerOf` / `isLocallyOwned`.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { readOwner, writeOwner } from "./ownership";
import { ServerReplication } from "./serverReplication";

/** Makes client slot `client` (or `SERVER_OWNER`, −1) the owner of server entity `eid`. */
export function setOwner(world: AppWorld, eid: number, client: number): void {
  writeOwner(world, getResource(world, ServerReplication).owner, eid, client);
}

/** The client slot owning server entity `eid`, or `SERVER_OWNER` (−1). */
export function serverOwnerOf(world: AppWorld, eid: number): number {
  return readOwner(world, getResource(world, ServerReplication).owner, eid);
}
