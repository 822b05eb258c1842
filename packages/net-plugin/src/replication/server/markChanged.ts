/**
 * `markChanged(world, eid)`: with `changeDetection: "marked"`, tells the server that a replicated
 * value or component of `eid` changed this tick, so `prepareSnapshots` captures it (and nothing
 * else unchanged). In the default `"scan"` mode it does nothing.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { ServerReplication } from "./serverReplication";

/** Marks server entity `eid` as changed this tick (for `changeDetection: "marked"`). */
export function markChanged(world: AppWorld, eid: number): void {
  const s = getResource(world, ServerReplication);
  if (s.changeDetection === "marked") s.dirty.push(eid);
}
