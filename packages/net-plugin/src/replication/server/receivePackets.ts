/**
 * Server `receivePackets` (PreUpdate, ReceivePackets): advances the NetServer to the frame's
 * clock time, drains the transport, and moves every connection event of the frame into the
 * resource's inbox, where the Receive systems (connections, acks, time sync, events) read them.
 */
import { getResource, Time, type AppWorld } from "@canopy/core";
import { ServerReplication } from "./serverReplication";

/** Drains the transport into the NetServer and this frame's inbox. */
export function receivePackets(world: AppWorld): void {
  const s = getResource(world, ServerReplication);
  s.inbox.length = 0;
  s.server.update(getResource(world, Time).now);
  s.server.receivePackets();
  for (let e = s.server.pollEvent(); e !== undefined; e = s.server.pollEvent()) s.inbox.push(e);
}
