/**
 * Client `sendAcks` (PostUpdate, Send): when a snapshot was decoded since the last ack, queues
 * one ack message (newest sequence + mask of the 32 before it) on the snapshot channel.
 */
import { getResource, type AppWorld } from "@canopy/core";
import { ClientReplication } from "./clientReplication";

/** Queues this frame's snapshot ack. */
export function sendAcks(world: AppWorld): void {
  const s = getResource(world, ClientReplication);
  if (!s.ackDue || s.acks.newest < 0 || s.client.state !== "connected") return;
  s.ackDue = false;
  s.client.send(s.snapshotChannel, s.acks.write());
  s.counters.acksSent++;
}
