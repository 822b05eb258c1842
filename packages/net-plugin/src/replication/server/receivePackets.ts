/**
 * Server `receivePackets` (PreUpdate, ReceivePackets): advances the NetServer to the frame's
 * clock time, drains the transport, and moves every connection event of the frame into the
 * resource's inbox, where the Receive systems (connections, acks) read them; messages off the
 * snapshot channel go to the first router that takes them (time sync, events).
 */
import { getResource, Time, type AppWorld } from "@canopy/core";
import { ServerReplication, type MessageRouter } from "./serverReplication";

/** Drains the transport into the NetServer and this frame's inbox. */
export function receivePackets(world: AppWorld): void {
  const s = getResource(world, ServerReplication);
  s.inbox.length = 0;
  s.server.update(getResource(world, Time).now);
  s.server.receivePackets();
  for (let e = s.server.pollEvent(); e !== undefined; e = s.server.pollEvent()) {
    s.inbox.push(e);
    if (e.type === "message" && e.channel !== s.snapshotChannel) {
      const data = e.data;
      if (!route(s.routers, e.client, data, 0, data.length, e.channel)) s.counters.messagesUnrouted++;
    }
  }
}

/** Offers the message `buffer[offset, offset + length)` to each router in turn; true when one took it. */
export function route(
  routers: readonly MessageRouter[],
  peer: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  channel: number,
): boolean {
  for (let i = 0; i < routers.length; i++)
    if ((routers[i] as MessageRouter)(peer, buffer, offset, length, channel)) return true;
  return false;
}
