/**
 * Server `receivePackets` (PreUpdate, ReceivePackets): advances the NetServer to the frame's
 * clock time, drains the transport, and copies the frame's connects, disconnects and
 * snapshot-channel messages into `frame`, where the Receive systems (connections, resyncs) read
 * them; messages off the snapshot channel go to the first router that takes them (time sync,
 * events), which copy what they keep. Event objects are not kept: the NetServer reuses them.
 */
import { getResource, Time, type AppWorld } from "@canopy/core";
import { FrameEventKind } from "./frameEvents";
import { ServerReplication, type MessageRouter } from "./serverReplication";

/** Drains the transport into the NetServer and this frame's events. */
export function receivePackets(world: AppWorld): void {
  const s = getResource(world, ServerReplication);
  const frame = s.frame;
  frame.clear();
  s.server.update(getResource(world, Time).now);
  s.server.receivePackets();
  for (let e = s.server.pollEvent(); e !== undefined; e = s.server.pollEvent()) {
    if (e.type === "connected") frame.pushEvent(FrameEventKind.connected, e.client);
    else if (e.type === "disconnected") frame.pushEvent(FrameEventKind.disconnected, e.client);
    else {
      // buffer/offset/length, never e.data (a copy made on access).
      if (e.channel === s.snapshotChannel) frame.pushMessage(e.client, e.buffer, e.offset, e.length);
      else if (!route(s.routers, e.client, e.buffer, e.offset, e.length, e.channel))
        s.counters.messagesUnrouted++;
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
