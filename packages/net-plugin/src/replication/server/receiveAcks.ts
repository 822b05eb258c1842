/**
 * Server `receiveAcks` (PreUpdate, Receive, after handleConnections): every ack message on the
 * snapshot channel marks the snapshots it names as acknowledged in that client's baseline ring,
 * so the next snapshot is encoded against the newest state the client is known to hold.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { readAckMessage } from "./ackMessage";
import { ServerReplication, type ClientView } from "./serverReplication";

let target: ClientView | undefined;
function acked(sequence: number): void {
  target?.ring.markAcked(sequence);
}

/** Applies this frame's snapshot acks. */
export function receiveAcks(world: AppWorld): void {
  const s = getResource(world, ServerReplication);
  for (const e of s.inbox) {
    if (e.type !== "message" || e.channel !== s.snapshotChannel) continue;
    target = s.clients[e.client];
    if (target === undefined) continue;
    if (readAckMessage(e.data, acked)) s.counters.acksReceived++;
    else s.counters.acksInvalid++;
  }
  target = undefined;
}
