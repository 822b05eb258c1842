/**
 * Client `applySnapshots` (PreUpdate, Receive, after receiveSnapshots): makes the world match the
 * newest decoded snapshot — spawning entities (tagged `Replicated`, bound in the entity map),
 * despawning those gone, and writing only the fields whose quantized value changed.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { applySnapshot } from "../worldSnapshot";
import { ClientReplication } from "./clientReplication";

/** Applies the newest decoded snapshot to the world. */
export function applySnapshots(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  if (s.pendingApply < 0) return;
  const next = s.ring.get(s.pendingApply);
  s.pendingApply = -1;
  if (next === undefined) return;
  const r = applySnapshot(
    world,
    s.registry,
    s.hasApplied ? s.applied : undefined,
    next,
    s.map,
    s.hooks,
    s.applyResult,
  );
  s.applied.copyFrom(next);
  s.hasApplied = true;
  s.counters.snapshotsApplied++;
  s.counters.spawned += r.spawned;
  s.counters.despawned += r.despawned;
  s.counters.updated += r.updated;
}
