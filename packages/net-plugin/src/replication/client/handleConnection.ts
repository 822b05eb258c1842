/**
 * Client `handleConnection` (PreUpdate, Receive, first): on connect, forgets every baseline and
 * state of an earlier connection; on disconnect, despawns every replicated entity and records the
 * reason with its readable message (`lastDisconnect`); either way the upstream state (client
 * authority) starts over.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { removeEntity } from "bitecs";
import { NONE } from "../entityMap";
import { FrameEventKind } from "../server/frameEvents";
import { ClientReplication, type ClientReplicationState } from "./clientReplication";

/** Resets replication state on connect and disconnect. */
export function handleConnection(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  const frame = s.frame;
  for (let i = 0; i < frame.count; i++) {
    const kind = frame.kindOf(i);
    if (kind === FrameEventKind.connected) reset(world, s);
    else if (kind === FrameEventKind.disconnected) {
      s.lastDisconnect = frame.detailOf(i);
      reset(world, s);
    }
  }
}

function reset(world: AppWorld, s: ClientReplicationState): void {
  const a = s.applied;
  if (s.hasApplied) {
    for (let id = 0; id < a.highWater; id++) {
      if (a.present[id] !== 1) continue;
      const eid = s.map.unbindNet(id);
      if (eid === NONE) continue;
      s.hooks.onDespawn?.(eid, id);
      removeEntity(world, eid);
      s.counters.despawned++;
    }
  }
  a.clear();
  s.hasApplied = false;
  s.ring.reset();
  s.decoder.newestSequence = -1;
  s.decoder.lastDecoded = undefined;
  s.history.reset();
  s.pendingApply = -1;
  // Client authority: nothing owned until the new connection's snapshots say so.
  for (let i = 0; i < s.authorityCount; i++) s.authoritative[s.authorityIds[i] as number] = 0;
  s.authorityCount = 0;
  s.upstream?.reset();
}
