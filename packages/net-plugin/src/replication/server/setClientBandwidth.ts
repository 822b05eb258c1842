/**
 * `setClientBandwidth(world, slot, bytesPerSecond)`: a per-client snapshot budget (e.g. from a
 * client's reported connection, or a spectator's lower rate); `undefined` returns it to the
 * server-wide `bandwidthBytesPerSecond`.
 */
import { FixedTime, getResource, type AppWorld } from "@canopy/core";
import { ServerReplication } from "./serverReplication";
import { warnLowBudget } from "./snapshotBudget";

/**
 * Sets client slot `slot`'s snapshot budget in bytes/s (> 0), or clears it with `undefined`.
 * Below `ReplicationDefaults.minSnapshotBytes` × the tick rate the client gets a snapshot every
 * few ticks (reported once per call; see `bandwidthBytesPerSecond`).
 */
export function setClientBandwidth(world: AppWorld, slot: number, bytesPerSecond: number | undefined): void {
  const view = getResource(world, ServerReplication).clients[slot];
  if (view === undefined) {
    throw new RangeError(`setClientBandwidth: slot ${slot} has no connected client; wait for its connect.`);
  }
  if (bytesPerSecond !== undefined && !(bytesPerSecond > 0)) {
    throw new RangeError(`setClientBandwidth: bytesPerSecond must be > 0, got ${bytesPerSecond}.`);
  }
  view.bandwidth = bytesPerSecond;
  if (bytesPerSecond !== undefined)
    warnLowBudget(`setClientBandwidth(slot ${slot})`, bytesPerSecond, getResource(world, FixedTime).hz);
}
