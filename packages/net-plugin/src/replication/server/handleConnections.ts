/**
 * Server `handleConnections` (PreUpdate, Receive): a client that connected gets a fresh
 * replication state (empty baseline ring, so its first snapshot spawns everything relevant with
 * full state: late joiners need nothing special); a client that left loses it (its rings' states
 * are disposed: pool-backed ones give their wasm memory blocks back at once), and the entities it
 * owned go back to the server.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { query } from "bitecs";
import { SERVER_OWNER } from "./ownership";
import { FrameEventKind } from "./frameEvents";
import { ClientView, ServerReplication } from "./serverReplication";

/** Creates and drops per-client replication state for this frame's connects and disconnects. */
export function handleConnections(world: AppWorld): void {
  const s = getResource(world, ServerReplication);
  const frame = s.frame;
  for (let i = 0; i < frame.count; i++) {
    const kind = frame.kindOf(i);
    const client = frame.peerOf(i);
    if (kind === FrameEventKind.connected) {
      s.clients[client]?.dispose(); // a reconnect into a slot whose disconnect this frame did not see
      s.clients[client] = new ClientView(client, s.registry, s.capacity, s.burstBytes, s.ringSize);
    } else if (kind === FrameEventKind.disconnected) {
      s.clients[client]?.dispose();
      s.clients[client] = undefined;
      const owned = s.owner.client;
      for (const eid of query(world, [owned])) if (owned[eid] === client) owned[eid] = SERVER_OWNER;
    }
  }
}
